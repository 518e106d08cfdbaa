"""Runs are queued every night and when a scope gathers enough new logs, never twice for a kind in progress."""

import pytest
from django.conf import settings as django_settings

from apps.modeling.models import TrainingRun
from apps.modeling.triggers import training_runs_schedule_nightly, training_runs_schedule_on_new_logs

pytestmark = pytest.mark.django_db


@pytest.fixture
def thresholds(settings):
    settings.MNEMO_TRAINING_KINDS = ["karl", "fsrs6"]
    settings.MNEMO_TRAINING_MIN_LOGS = 50
    settings.MNEMO_TRAINING_NEW_LOGS_THRESHOLD = 50
    return settings


def test_the_beat_schedule_holds_the_nightly_new_logs_and_stale_run_tasks():
    tasks = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"apps.modeling.tasks.train_nightly", "apps.modeling.tasks.train_on_new_logs", "apps.modeling.tasks.recover_stale_runs", "apps.outbox.tasks.send_outbox"} <= tasks


def test_enough_new_logs_queue_one_run_per_kind_and_scope_once(seeded_deck, thresholds):
    runs = training_runs_schedule_on_new_logs()
    assert sorted((run.scope_key, run.kind) for run in runs) == sorted(
        (scope, kind) for scope in ("all", f"deck:{seeded_deck.pk}") for kind in ("karl", "fsrs6")
    )
    assert {run.trigger for run in runs} == {TrainingRun.Trigger.NEW_LOGS}
    assert training_runs_schedule_on_new_logs() == []  # no new logs since, and the runs are still queued


def test_the_nightly_trigger_skips_kinds_already_queued(seeded_deck, thresholds):
    first = training_runs_schedule_nightly()
    assert len(first) == 4
    TrainingRun.objects.filter(kind="karl").update(status=TrainingRun.Status.SUCCEEDED)
    second = training_runs_schedule_nightly()
    assert sorted(run.kind for run in second) == ["karl", "karl"]


def test_scopes_with_too_few_logs_are_not_trained(seeded_deck, thresholds):
    thresholds.MNEMO_TRAINING_MIN_LOGS = 10**6
    assert training_runs_schedule_nightly() == []
