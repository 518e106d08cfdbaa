"""A real Celery worker writes snapshots: after a training run promotes its version, and when beat runs the hourly refresh."""

import pytest
from django.db import transaction

from apps.dashboards.models import CohortSnapshot, RecallSnapshot
from apps.dashboards.tasks import refresh_snapshots
from apps.modeling.models import TrainingRun
from apps.modeling.scopes import Scope
from apps.modeling.training import training_run_enqueue
from apps.modeling.training import training_run_create
from tests.conftest import wait_for_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_cohort_training_run_that_promotes_is_followed_by_a_snapshot_of_its_model(studied_cohort, owner, other_learner, start_worker):
    """The promotion's refresh goes through the outbox on the run's queue: the worker that trained it refreshes too."""
    worker = start_worker(env={"MNEMO_TRAINING_MIN_LOGS": "20", "MNEMO_PROMOTION_MAX_ECE": "1.0"})
    assert not CohortSnapshot.objects.exists()
    with transaction.atomic():
        run = training_run_create(kind="hlr", scope=Scope.of_cohort(studied_cohort), trigger=TrainingRun.Trigger.ADMIN)
        training_run_enqueue(run=run, queue=worker.queue)

    snapshot = wait_for_worker(lambda: CohortSnapshot.objects.filter(cohort=studied_cohort).first(), "the cohort snapshot", worker)
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED, run.message
    assert snapshot.model_versions == [run.version.label]
    assert set(snapshot.learners.values_list("learner__username", flat=True)) == {owner.username, other_learner.username}
    assert snapshot.computed_at >= run.finished_at
    assert set(RecallSnapshot.objects.values_list("model_version", flat=True)) == {run.version.label}


def test_the_beat_task_refreshes_every_learner_and_cohort(studied_cohort, owner, other_learner, outsider, start_worker):
    worker = start_worker()
    result = refresh_snapshots.apply_async(queue=worker.queue)
    assert wait_for_worker(lambda: result.ready() and result.get(), "the refresh", worker) == 3  # three learners on one deck
    assert set(RecallSnapshot.objects.values_list("learner__username", flat=True)) == {"owner", "other-learner", "outsider"}
    assert CohortSnapshot.objects.get(cohort=studied_cohort).learners.count() == 2
