"""train_model prints its result as the last line of JSON; simulate_learners drives the real study service."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.modeling.models import ModelVersion, TrainingRun
from apps.study.models import ShownCard, StudyLog, StudySession

pytestmark = pytest.mark.django_db


def test_train_model_ends_with_one_json_line_of_the_version_and_its_metrics(seeded_deck, settings):
    settings.MNEMO_PROMOTION_MAX_ECE = 1.0
    output, progress = StringIO(), StringIO()
    call_command("train_model", "--kind", "hlr", "--scope", f"deck:{seeded_deck.uuid}", stdout=output, stderr=progress)

    result = json.loads(output.getvalue().strip().splitlines()[-1])
    version = ModelVersion.objects.get()
    assert result == {
        "version": version.label, "auc": version.auc, "log_loss": version.log_loss, "ece": version.ece,
        "brier": version.brier, "n": version.n, "promoted": True,
    }
    assert version.scope_key == f"deck:{seeded_deck.pk}"
    assert "stage training" in progress.getvalue()


def test_train_model_reports_too_little_data_in_its_json(private_deck):
    output = StringIO()
    call_command("train_model", "--kind", "fsrs6", stdout=output, stderr=StringIO())
    result = json.loads(output.getvalue().strip().splitlines()[-1])
    assert result["version"] is None and result["promoted"] is False
    assert result["status"] == TrainingRun.Status.INSUFFICIENT_DATA


@pytest.mark.parametrize(
    "arguments",
    [
        ["--kind", "karl", "--scope", "deck:999999"],
        ["--kind", "karl", "--hp", "nonsense"],
        ["--kind", "karl", "--hp", "max_epochs=two"],
        ["--kind", "fsrs6", "--hp", "optimize=False"],
    ],
)
def test_train_model_refuses_bad_arguments_and_creates_no_run(arguments, db):
    with pytest.raises(CommandError):
        call_command("train_model", *arguments, stdout=StringIO(), stderr=StringIO())
    assert not TrainingRun.objects.exists()


def test_simulate_learners_records_answers_through_the_study_service(private_deck):
    output = StringIO()
    call_command(
        "simulate_learners", "--deck", str(private_deck.pk), "--learners", "2", "--days", "2", "--seed", "3",
        stdout=output, stderr=StringIO(),
    )
    logs = StudyLog.objects.filter(deck=private_deck).exclude(learner=private_deck.owner)
    assert logs.count() > 0
    assert f"{logs.count()} study logs" in output.getvalue()
    assert not logs.filter(shown__isnull=True).exists() and not logs.filter(session__isnull=True).exists()
    assert ShownCard.objects.filter(deck=private_deck, study_log__isnull=True).count() == 0
    assert StudySession.objects.filter(deck=private_deck, ended_at__isnull=True).count() == 0
    assert logs.values("learner").distinct().count() == 2
    assert logs.values("answered_at__date").distinct().count() == 2
