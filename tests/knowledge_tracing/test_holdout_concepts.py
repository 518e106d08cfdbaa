"""``evaluate --holdout-concepts``: held-out concepts never reach training and are the only ones scored."""

import json

import pytest

from knowledge_tracing.cli import main

# Sequences are scored after each learner's first row. On those rows concept 1 is right 2
# times in 3 in training and concept 2 once in 3; the test has 3 scored rows of concept 1
# and 2 of concept 2, all answered right.
TRAIN = "4\n1,1,1,1\n1,1,1,0\n4\n2,2,2,2\n0,0,0,1\n"
TEST = "6\n1,1,1,1,2,2\n1,1,1,1,1,1\n"
TEST_ROWS = {1: 3, 2: 2}
TRAIN_RATE = {1: 2 / 3, 2: 1 / 3}


@pytest.fixture
def files(tmp_path):
    (tmp_path / "train.csv").write_text(TRAIN, encoding="utf-8")
    (tmp_path / "test.csv").write_text(TEST, encoding="utf-8")
    return tmp_path


def _evaluate(files, *extra):
    output = files / "out.json"
    arguments = ["evaluate", "--format", "assist", "--train", str(files / "train.csv"), "--test", str(files / "test.csv")]
    code = main(arguments + ["--models", "constant", "--json", str(output), *extra])
    return code, output


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_held_out_concept_is_only_scored_and_never_trained_on(files, seed):
    code, output = _evaluate(files, "--holdout-concepts", "0.5", "--seed", str(seed))
    assert code == 0
    report = json.loads(output.read_text())
    assert "1 concepts held out" in report["protocol"]
    result = report["results"][0]
    held_out = next(concept for concept, rows in TEST_ROWS.items() if rows == result["n"])
    kept = 3 - held_out
    # Every scored answer is right, so the Brier score gives the constant's prediction back.
    predicted = 1 - result["brier"] ** 0.5
    assert predicted == pytest.approx(TRAIN_RATE[kept])


@pytest.mark.parametrize("fraction", ["0", "1", "1.5"])
def test_a_fraction_outside_zero_to_one_is_refused(files, fraction, capsys):
    code, output = _evaluate(files, "--holdout-concepts", fraction)
    assert code == 2
    assert "--holdout-concepts must be between 0 and 1" in capsys.readouterr().err
    assert not output.exists()
