"""``python -m knowledge_tracing breakdown`` on a predictions file of the evaluate command."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from knowledge_tracing.cli import main


@pytest.fixture
def predictions(tmp_path):
    """A file as evaluate --predictions writes it, with two models that differ by position."""
    rng = np.random.default_rng(0)
    n = 400
    position = rng.integers(1, 40, n)
    outcome = rng.integers(0, 2, n)
    # The first model knows the answer early in a sequence, the second late.
    early = np.where(position < 10, 0.2 + 0.6 * outcome, rng.random(n))
    late = np.where(position >= 10, 0.2 + 0.6 * outcome, rng.random(n))
    rows = pd.DataFrame(
        {
            "fold": 1,
            "learner": rng.integers(0, 20, n),
            "item": rng.integers(0, 5, n),
            "concept": 0,
            "time": position,
            "outcome": outcome,
            "position": position,
            "attempt": rng.integers(0, 4, n),
            "concept_changed": rng.integers(0, 2, n),
            "early": early,
            "late:dropout=0.5": late,
        }
    )
    path = tmp_path / "predictions.csv"
    rows.to_csv(path, index=False)
    return path, rows


def _table(output: str) -> dict[str, list[str]]:
    lines = [line.strip("|").split("|") for line in output.splitlines() if line.startswith("| ")]
    return {cells[0].strip(): [cell.strip() for cell in cells[1:]] for cells in lines}


def test_each_slice_gets_every_models_auc_on_its_rows(predictions, capsys):
    path, rows = predictions
    assert main(["breakdown", str(path), "--by", "position", "--edges", "0,10,20"]) == 0
    table = _table(capsys.readouterr().out)
    assert table["position"] == ["n", "correct", "early", "late:dropout=0.5"]
    for label, chosen in (("0-9", rows.position < 10), ("10-19", rows.position.between(10, 19)), ("20+", rows.position >= 20)):
        group = rows[chosen]
        n, correct, early, late = table[label]
        assert int(n) == len(group)
        assert float(correct) == pytest.approx(group.outcome.mean(), abs=5e-4)
        assert float(early) == pytest.approx(roc_auc_score(group.outcome, group.early), abs=5e-5)
        assert float(late) == pytest.approx(roc_auc_score(group.outcome, group["late:dropout=0.5"]), abs=5e-5)
    assert float(table["0-9"][2]) == 1.0 and float(table["20+"][3]) == 1.0


def test_concept_changed_is_sliced_into_no_and_yes(predictions, capsys):
    path, rows = predictions
    assert main(["breakdown", str(path), "--by", "concept_changed"]) == 0
    table = _table(capsys.readouterr().out)
    assert [int(table[label][0]) for label in ("no", "yes")] == [(rows.concept_changed == 0).sum(), (rows.concept_changed == 1).sum()]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--edges", "5,10"], "must rise from 0"),
        (["--edges", "0,a"], "comma-separated whole numbers"),
    ],
)
def test_bad_edges_are_a_clear_error(predictions, capsys, arguments, message):
    path, _ = predictions
    assert main(["breakdown", str(path), *arguments]) == 2
    assert message in capsys.readouterr().err


def test_a_file_without_the_row_facts_is_refused(tmp_path, capsys):
    path = tmp_path / "other.csv"
    path.write_text("learner,outcome,dkt\na,1,0.7\n", encoding="utf-8")
    assert main(["breakdown", str(path)]) == 2
    assert "no column position, attempt, concept_changed" in capsys.readouterr().err
