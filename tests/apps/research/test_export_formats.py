"""Every format holds the same consented rows, its manifest describes it, and the library evaluates it in one command."""

import csv
import hashlib
import json
import uuid
from datetime import datetime, timezone

import numpy as np
import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from apps.research.models import ResearchConsentPeriod
from apps.study.models import StudyLog
from knowledge_tracing.cli import main as knowledge_tracing_main
from knowledge_tracing.data.columns import REVLOG_COLUMN_TYPES
from knowledge_tracing.data.loaders import load_tables
from knowledge_tracing.data.synthetic import generate_study_log

from .conftest import START


@pytest.fixture
def recorded_history(owner, other_learner, private_deck, public_deck):
    """Synthetic answers of two consenting learners on the public deck's cards, stored as the app stores answers."""
    from apps.cards.services import card_create

    cards = list(public_deck.cards.all()) + [card_create(deck=public_deck, front=f"extra {i}", back="x", tags=["geo"]) for i in range(14)]
    table = generate_study_log(seed=3, n_learners=2, n_items=len(cards), n_logs=600)
    learners = (owner, other_learner)
    for learner in learners:
        ResearchConsentPeriod.objects.create(learner=learner, started_at=START)
    StudyLog.objects.bulk_create(
        StudyLog(
            log_uuid=uuid.uuid4(), learner=learners[learner], card=cards[item], deck=public_deck,
            shown_at=datetime.fromtimestamp(START.timestamp() + moment, tz=timezone.utc),
            answered_at=datetime.fromtimestamp(START.timestamp() + moment + 3, tz=timezone.utc),
            response_ms=int(duration) if duration == duration else 2000, outcome=bool(outcome), grade=int(grade),
            policy="karl", model_version="karl:7", predicted_recall=0.7,
        )
        for learner, item, moment, outcome, grade, duration in zip(table.learner, table.item, table.time - table.time.min(), table.outcome, table.grade, table.duration_ms)
    )
    return len(table)


def _export(tmp_path, export_format, *extra) -> tuple:
    output = tmp_path / export_format
    command_output = []

    class Lines:
        def write(self, text):
            command_output.append(text)

        def flush(self):
            pass

    call_command("export_study_logs", "--format", export_format, "--output", str(output), *extra, stdout=Lines(), stderr=Lines())
    manifest_path = "".join(command_output).strip().splitlines()[-1]
    return output, json.loads(open(manifest_path).read()), manifest_path


def test_every_format_holds_the_same_rows_and_its_manifest_hashes_every_file(tmp_path, recorded_history):
    rows_by_format = {}
    for export_format in ("csv", "jsonl", "parquet", "fsrs"):
        output, manifest, manifest_path = _export(tmp_path, export_format, "--with-predictions", "--with-card-text")
        assert manifest_path == str(output / "manifest.json")
        assert manifest["format"] == export_format and manifest["rows"] == recorded_history
        assert manifest["software"]["version"] and manifest["filters"] == {"answered_from": None, "answered_before": None, "cohort": None, "deck": None}
        for file in manifest["files"]:
            assert hashlib.sha256((output / file["name"]).read_bytes()).hexdigest() == file["sha256"]
        rows_by_format[export_format] = manifest["rows"]
    csv_rows = list(csv.DictReader((tmp_path / "csv" / "study_logs.csv").open(encoding="utf-8")))
    parquet = pq.read_table(tmp_path / "parquet" / "study_logs.parquet")
    jsonl = [json.loads(line) for line in (tmp_path / "jsonl" / "study_logs.jsonl").read_text().splitlines()]
    assert len(csv_rows) == parquet.num_rows == len(jsonl) == recorded_history
    assert [row["learner"] for row in csv_rows] == parquet.column("learner").to_pylist() == [row["learner"] for row in jsonl]
    assert {row["model_version"] for row in csv_rows} == {"karl:7"} and float(csv_rows[0]["predicted_recall"]) == 0.7
    assert csv_rows[0]["card_text"].startswith(("Instructor's public deck question", "extra"))
    plain_output, plain_manifest, _ = _export(tmp_path / "plain", "csv")
    plain_header = next(csv.reader((plain_output / "study_logs.csv").open(encoding="utf-8")))
    assert [field["name"] for field in plain_manifest["schema"]] == plain_header
    assert not {"card_text", "predicted_recall", "model_version"} & set(plain_header)


def test_the_fsrs_export_is_the_optimizers_review_log_with_states(tmp_path, recorded_history):
    output, manifest, _ = _export(tmp_path, "fsrs")
    assert [field["name"] for field in manifest["schema"]] == list(REVLOG_COLUMN_TYPES)
    assert len(manifest["files"]) == 2 and all(file["name"].startswith("revlog/") for file in manifest["files"])
    rows = list(csv.DictReader((output / manifest["files"][0]["name"]).open()))
    assert list(rows[0]) == list(REVLOG_COLUMN_TYPES)
    first_seen = {}
    for row in rows:
        first_seen.setdefault(row["card_id"], row)
        assert row["review_time"].isdigit() and int(row["review_time"]) > 1.7e12
    assert all(row["review_state"] == "0" for row in first_seen.values())
    assert {row["review_state"] for row in rows} - {"0"} <= {"1", "2", "3"} and {"1", "2"} <= {row["review_state"] for row in rows}


def test_exports_load_as_the_same_table_in_every_format(tmp_path, recorded_history):
    tables = {}
    for export_format, path in (("csv", "csv/study_logs.csv"), ("jsonl", "jsonl/study_logs.jsonl"), ("parquet", "parquet/study_logs.parquet")):
        _export(tmp_path, export_format)
        (tables[export_format],) = load_tables("studylog", [tmp_path / path])
    (revlog,) = load_tables("revlog", [_export(tmp_path, "fsrs")[0] / "revlog"])
    for table in (*tables.values(), revlog):
        assert len(table) == recorded_history and table.n_learners == 2
        assert list(table.grade) == list(tables["csv"].grade)
        np.testing.assert_allclose(table.time, tables["csv"].time, rtol=0, atol=1e-3)  # the revlog has milliseconds
    assert tables["csv"].learner_keys == revlog.learner_keys


@pytest.mark.parametrize("data_format, relative", [("studylog", "csv/study_logs.csv"), ("revlog", "fsrs/revlog")])
def test_a_researcher_evaluates_the_models_on_the_export_in_two_commands(tmp_path, recorded_history, data_format, relative):
    _export(tmp_path, "csv" if data_format == "studylog" else "fsrs")
    results = tmp_path / "results.json"
    arguments = ["evaluate", "--format", data_format, "--data", str(tmp_path / relative), "--folds", "2"]
    assert knowledge_tracing_main(arguments + ["--models", "fsrs6-default,hlr,constant", "--json", str(results)]) == 0
    report = json.loads(results.read_text())
    assert [result["model"] for result in report["results"]] == ["fsrs6-default", "hlr", "constant"]
    assert all(0 < result["n"] <= recorded_history and 0 <= result["auc"] <= 1 for result in report["results"])


def test_the_command_refuses_bad_filters_and_a_non_empty_directory(tmp_path, recorded_history):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="deck"):
        call_command("export_study_logs", "--format", "csv", "--output", str(tmp_path / "a"), "--deck", str(uuid.uuid4()))
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x").write_text("")
    with pytest.raises(CommandError, match="not empty"):
        call_command("export_study_logs", "--format", "csv", "--output", str(tmp_path / "b"))
    assert not (tmp_path / "a").exists()


def test_rows_name_each_cards_note_note_type_and_template(tmp_path, owner, public_deck):
    from apps.cards.note_services import note_create, note_type_builtin

    note = note_create(
        owner=public_deck.owner, deck=public_deck, note_type=note_type_builtin(name="Cloze"),
        field_values=["{{c1::Lima}} is the capital of {{c2::Peru}}", ""], tags=["geo"],
    )
    basic = public_deck.cards.exclude(note=note).first()
    ResearchConsentPeriod.objects.create(learner=owner, started_at=START)
    for minute, card in enumerate([*note.cards.order_by("ord"), basic]):
        at = datetime.fromtimestamp(START.timestamp() + 60 * (minute + 1), tz=timezone.utc)
        StudyLog.objects.create(
            log_uuid=uuid.uuid4(), learner=owner, card=card, deck=public_deck, shown_at=at, answered_at=at,
            response_ms=1000, outcome=True, grade=3, policy="fsrs",
        )

    output, manifest, _ = _export(tmp_path, "csv")
    rows = list(csv.DictReader((output / "study_logs.csv").open(encoding="utf-8")))

    assert [field["name"] for field in manifest["schema"]][:6] == ["learner", "card", "deck", "note_id", "note_type", "template"]
    assert [(row["note_id"], row["note_type"], row["template"]) for row in rows] == [
        (str(note.uuid), "Cloze", "Cloze 1"), (str(note.uuid), "Cloze", "Cloze 2"), (str(basic.note.uuid), "Basic", "Card 1"),
    ]


def test_a_deck_filter_takes_the_decks_inside_it_too(tmp_path, owner):
    from apps.cards.services import card_create, deck_create

    languages = deck_create(owner=owner, title="Languages")
    verbs = deck_create(owner=owner, title="Languages::Verbs")
    other = deck_create(owner=owner, title="Other")
    ResearchConsentPeriod.objects.create(learner=owner, started_at=START)
    for minute, deck in enumerate((languages, verbs, other), start=1):
        card = card_create(deck=deck, front=f"in {deck.title}", back="a", tags=[])
        at = datetime.fromtimestamp(START.timestamp() + 60 * minute, tz=timezone.utc)
        StudyLog.objects.create(
            log_uuid=uuid.uuid4(), learner=owner, card=card, deck=deck, shown_at=at, answered_at=at, response_ms=900, outcome=True, grade=3, policy="fsrs",
        )

    output, manifest, _ = _export(tmp_path, "csv", "--deck", str(languages.uuid))
    rows = list(csv.DictReader((output / "study_logs.csv").open(encoding="utf-8")))
    assert sorted(row["deck"] for row in rows) == sorted([str(languages.uuid), str(verbs.uuid)])
