"""A training attempt that loses its lease stops, stores no model version, and says so in the worker's log."""

import logging

import pytest

from apps.modeling.models import ModelVersion, TrainingRun
from apps.modeling.scopes import Scope
from apps.modeling.training import training_run_create, training_run_execute
from tests.apps.lease_takeover import OTHER_WORKER, another_worker_takes_over

pytestmark = pytest.mark.django_db


def test_a_run_that_loses_its_lease_before_saving_stores_nothing_and_the_loss_is_logged(seeded_deck, caplog):
    run = training_run_create(kind="hlr", scope=Scope(), trigger=TrainingRun.Trigger.ADMIN)
    TrainingRun.objects.filter(pk=run.pk).update(status=TrainingRun.Status.QUEUED)
    stages = []

    def printer(report: dict) -> None:
        stages.append(report.get("stage"))
        if report.get("stage") == "saving":
            another_worker_takes_over(TrainingRun.objects, pk=run.pk, queued=TrainingRun.Status.QUEUED, running=TrainingRun.Status.RUNNING)

    with caplog.at_level(logging.WARNING, logger="apps.leases"):
        ended = training_run_execute(run_id=run.pk, worker="worker-1:1", printer=printer)

    assert stages[-1] == "saving"
    assert ended.status == TrainingRun.Status.RUNNING and ended.attempts == 2 and ended.worker == OTHER_WORKER
    assert not ModelVersion.objects.exists()
    assert f"training run {run.pk} attempt 1 lost its lease; stopping" in caplog.text
