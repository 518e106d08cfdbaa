"""``python -m knowledge_tracing evaluate`` end to end on tiny files."""

import csv
import json
from datetime import datetime, timezone

import numpy as np
import pytest

from knowledge_tracing.cli import main
from knowledge_tracing.data.synthetic import generate_study_log


def _write_revlog(path, seed=5):
    table = generate_study_log(seed=seed, n_learners=1, n_items=40, n_logs=900)
    lines = ["card_id,review_rating,review_time,review_duration"]
    for item, moment, grade in zip(table.item, table.time, table.grade):
        stamp = datetime.fromtimestamp(moment, tz=timezone.utc).isoformat()
        lines.append(f"{1000 + item},{grade},{stamp},4000")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_time_series_evaluation_writes_every_figure(tmp_path, capsys):
    data, output = tmp_path / "revlog.csv", tmp_path / "results.json"
    _write_revlog(data)
    arguments = ["evaluate", "--format", "revlog", "--data", str(data), "--protocol", "time-series"]
    arguments += ["--folds", "3", "--models", "fsrs6-default,constant", "--json", str(output)]
    assert main(arguments) == 0
    report = json.loads(output.read_text())
    assert report["protocol"].startswith("time-series")
    assert [result["model"] for result in report["results"]] == ["fsrs6-default", "constant"]
    for result in report["results"]:
        for key in ("auc", "log_loss", "ece", "brier", "rmse_bins", "same_day_log_loss", "n", "train_seconds"):
            assert np.isfinite(result[key]), key
    assert "| fsrs6-default |" in capsys.readouterr().out


def test_several_review_logs_give_pooled_and_per_learner_figures_with_wins(tmp_path, capsys):
    paths = [tmp_path / f"learner{seed}.csv" for seed in (5, 6, 7)]
    for seed, path in zip((5, 6, 7), paths):
        _write_revlog(path, seed)
    output = tmp_path / "results.json"
    arguments = ["evaluate", "--format", "revlog", "--data", *map(str, paths), "--folds", "3"]
    assert main(arguments + ["--models", "moving-avg,fsrs7-default,constant", "--json", str(output)]) == 0
    results = json.loads(output.read_text())["results"]
    singles = []
    for path in paths:
        single = tmp_path / f"{path.stem}.json"
        main(["evaluate", "--format", "revlog", "--data", str(path), "--folds", "3", "--models", "fsrs7-default",
              "--json", str(single)])
        singles.append(json.loads(single.read_text())["results"][0])
    fsrs7 = results[1]
    # Each file is cut and fitted on its own: pooled over files, and per file as when run alone.
    assert fsrs7["n"] == sum(single["n"] for single in singles)
    for path, single in zip(paths, singles):
        learner = fsrs7["per_learner"][f"{path}:{path.stem}"]
        assert learner["n"] == single["n"]
        assert learner["log_loss"] == pytest.approx(single["log_loss"])
        assert learner["rmse_bins"] == pytest.approx(single["rmse_bins"])
    weights = [single["n"] for single in singles]
    mean_log_loss = np.average([single["log_loss"] for single in singles], weights=weights)
    assert fsrs7["log_loss_learners"].startswith(f"{mean_log_loss:.4f}±")
    # Every learner is won by exactly one model (or shared on a tie).
    assert sum(int(result["wins_log_loss"].split("/")[0]) for result in results) >= 3
    assert all(result["wins_log_loss"].endswith("/3") for result in results)
    out = capsys.readouterr().out
    assert "log_loss_learners" in out and "wins_auc" in out


def test_runs_are_deterministic_for_a_seed(tmp_path):
    data = tmp_path / "revlog.csv"
    _write_revlog(data)
    figures = []
    for run in range(2):
        output = tmp_path / f"run{run}.json"
        main(["evaluate", "--format", "revlog", "--data", str(data), "--models", "hlr", "--folds", "2",
              "--seed", "3", "--json", str(output)])
        result = json.loads(output.read_text())["results"][0]
        figures.append((result["log_loss"], result["auc"]))
    assert figures[0] == figures[1]


def test_models_that_need_time_are_skipped_on_sequences(tmp_path, capsys):
    train, test, output = tmp_path / "train.csv", tmp_path / "test.csv", tmp_path / "out.json"
    train.write_text("4\n1,2,1,2\n1,0,1,1\n3\n2,1,2\n0,1,1\n", encoding="utf-8")
    test.write_text("3\n1,1,2\n1,1,0\n", encoding="utf-8")
    arguments = ["evaluate", "--format", "assist", "--train", str(train), "--test", str(test)]
    assert main(arguments + ["--models", "fsrs6,constant", "--json", str(output)]) == 0
    report = json.loads(output.read_text())
    assert [result["model"] for result in report["results"]] == ["constant"]
    assert "auc_concept_changed" in report["results"][0]
    assert report["skipped"][0]["model"] == "fsrs6"
    assert "no timestamps" in capsys.readouterr().err


def test_unknown_model_is_a_clear_error(tmp_path, capsys):
    data = tmp_path / "revlog.csv"
    _write_revlog(data)
    assert main(["evaluate", "--format", "revlog", "--data", str(data), "--models", "sm2"]) == 2
    assert "unknown model 'sm2'" in capsys.readouterr().err


def test_a_setting_of_the_wrong_kind_is_refused_before_anything_trains(tmp_path, capsys):
    data, output = tmp_path / "revlog.csv", tmp_path / "out.json"
    _write_revlog(data)
    arguments = ["evaluate", "--format", "revlog", "--data", str(data), "--json", str(output)]
    assert main(arguments + ["--models", "hlr,fsrs6:optimize=False"]) == 2
    assert "optimize must be a boolean" in capsys.readouterr().err
    assert not output.exists()


def test_each_training_epoch_is_reported_on_stderr(tmp_path, capsys):
    train, valid, test = tmp_path / "train.csv", tmp_path / "valid.csv", tmp_path / "test.csv"
    train.write_text("4\n1,2,1,2\n1,0,1,1\n3\n2,1,2\n0,1,1\n", encoding="utf-8")
    valid.write_text("3\n1,2,1\n1,0,1\n", encoding="utf-8")
    test.write_text("3\n1,1,2\n1,1,0\n", encoding="utf-8")
    arguments = ["evaluate", "--format", "assist", "--train", str(train), "--valid", str(valid), "--test", str(test)]
    assert main(arguments + ["--models", "dkt:max_epochs=2:patience=5"]) == 0
    epoch_lines = [line for line in capsys.readouterr().err.splitlines() if ": epoch " in line]
    assert [line.split(",")[0] for line in epoch_lines] == [
        "dkt:max_epochs=2:patience=5: fold 1/1: epoch 1",
        "dkt:max_epochs=2:patience=5: fold 1/1: epoch 2",
    ]
    assert all("valid_auc" in line and "loss" in line for line in epoch_lines)


def test_help_of_a_command_lists_its_options(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", "--help"])
    assert exit_info.value.code == 0
    assert "--models" in capsys.readouterr().out


def test_predictions_file_lists_each_scored_row_with_every_models_probability(tmp_path):
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    output, predictions = tmp_path / "out.json", tmp_path / "predictions.csv"
    train.write_text("4\n1,2,1,2\n1,0,1,1\n3\n2,1,2\n0,1,1\n", encoding="utf-8")
    test.write_text("3\n1,1,2\n1,1,0\n2\n2,2\n0,1\n", encoding="utf-8")
    arguments = ["evaluate", "--format", "assist", "--train", str(train), "--test", str(test), "--json", str(output)]
    assert main(arguments + ["--models", "constant,dkt:max_epochs=2", "--predictions", str(predictions)]) == 0
    with predictions.open(newline="", encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle))
    # Every row but each learner's first is scored: steps 1 and 2 of the first learner, step 1 of the second.
    facts = ("learner", "item", "time", "outcome", "position", "attempt", "concept_changed")
    assert [tuple(line[fact] for fact in facts) for line in lines] == [
        ("test.csv:1", "1", "1", "1", "1", "1", "0"),
        ("test.csv:1", "2", "2", "0", "2", "0", "1"),
        ("test.csv:4", "2", "1", "1", "1", "1", "0"),
    ]
    figures = {result["model"]: result for result in json.loads(output.read_text())["results"]}
    for model in ("constant", "dkt:max_epochs=2"):
        probabilities = np.array([float(line[model]) for line in lines])
        outcomes = np.array([int(line["outcome"]) for line in lines])
        assert ((0 < probabilities) & (probabilities < 1)).all()
        assert np.mean((probabilities - outcomes) ** 2) == pytest.approx(figures[model]["brier"], abs=1e-5)


def test_an_anki_file_is_evaluated_directly(tmp_path, capsys):
    """A real Anki package, one learner: answers scored on the benchmark's protocol, finite figures for each model."""
    from tests.anki_truth import REAL_ANKI_DATA

    package, output = REAL_ANKI_DATA / "kedarmhaswade_collection.apkg", tmp_path / "results.json"
    arguments = ["evaluate", "--format", "anki", "--data", str(package), "--models", "fsrs6-default,moving-avg,constant"]
    assert main(arguments + ["--json", str(output)]) == 0
    results = json.loads(output.read_text())["results"]
    assert [result["model"] for result in results] == ["fsrs6-default", "moving-avg", "constant"]
    for result in results:
        assert result["n"] > 400
        for key in ("auc", "log_loss", "rmse_bins", "ece"):
            assert np.isfinite(result[key]), key
        assert list(result["per_learner"]) == [f"{package}:{package.name}"]
    assert "| moving-avg |" in capsys.readouterr().out
