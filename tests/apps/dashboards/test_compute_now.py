"""An instructor's "Compute now": a worker computes the cohort's numbers, the page follows its progress, and it is rate-limited."""

import logging
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.dashboards import services
from apps.dashboards.models import CohortSnapshot, RecallSnapshot, SnapshotComputation
from apps.dashboards.services import snapshot_computation_request, snapshot_computations_recover_stale
from apps.dashboards.tasks import compute_cohort_snapshot
from apps.outbox.models import OutboxTask
from tests.apps.lease_takeover import OTHER_WORKER, another_worker_takes_over
from tests.conftest import wait_for_worker

COMPUTE_TASK = "apps.dashboards.tasks.compute_cohort_snapshot"


def _compute_now(client, cohort) -> str:
    return client.post(reverse("dashboards:compute_now", args=[cohort.uuid]), follow=True).content.decode()


def _status(client, cohort):
    return client.get(reverse("dashboards:computation_status", args=[cohort.uuid]), HTTP_HX_REQUEST="true")


@pytest.mark.django_db
def test_compute_now_queues_one_computation_and_refuses_another_until_the_interval_has_passed(studied_cohort, instructor, web_client_for, settings):
    settings.MNEMO_DASHBOARD_COMPUTE_INTERVAL_SECONDS = 120
    client = web_client_for(instructor)

    page = _compute_now(client, studied_cohort)
    computation = SnapshotComputation.objects.get()
    assert computation.status == SnapshotComputation.Status.QUEUED and computation.requested_by == instructor
    assert [row.args for row in OutboxTask.objects.filter(task_name=COMPUTE_TASK)] == [[computation.pk]]
    assert "Computing the numbers: a worker is on it" in page and "Queued: waiting for a worker to start" in page
    assert 'hx-get="' + reverse("dashboards:computation_status", args=[studied_cohort.uuid]) + '"' in page

    assert "already being computed" in _compute_now(client, studied_cohort)
    assert SnapshotComputation.objects.count() == 1

    compute_cohort_snapshot.apply(args=[computation.pk])  # what the worker runs (a real worker: below)
    computation.refresh_from_db()
    assert computation.status == SnapshotComputation.Status.DONE and computation.learners_done == computation.learners_total == 2
    assert CohortSnapshot.objects.filter(cohort=studied_cohort, computed_at__gte=computation.created_at).exists()

    refused = _compute_now(client, studied_cohort)
    assert "The numbers were last requested less than 120 seconds ago; try again in 1" in refused and "seconds." in refused
    assert SnapshotComputation.objects.count() == 1 and OutboxTask.objects.filter(task_name=COMPUTE_TASK).count() == 1

    SnapshotComputation.objects.update(created_at=timezone.now() - timedelta(seconds=121))
    _compute_now(client, studied_cohort)
    assert SnapshotComputation.objects.count() == 2


@pytest.mark.django_db
def test_the_progress_panel_polls_while_computing_and_reloads_the_page_when_done(studied_cohort, instructor, web_client_for):
    client = web_client_for(instructor)
    computation = snapshot_computation_request(cohort=studied_cohort, requested_by=instructor)
    SnapshotComputation.objects.filter(pk=computation.pk).update(status=SnapshotComputation.Status.RUNNING, learners_done=1, learners_total=2)

    running = _status(client, studied_cohort)
    assert "Computing: 1 of 2 learners done" in running.content.decode() and 'hx-trigger="every 2s"' in running.content.decode()
    assert "HX-Refresh" not in running

    compute_cohort_snapshot.apply(args=[computation.pk])  # a duplicate message: the computation is not queued, nothing happens
    assert SnapshotComputation.objects.get(pk=computation.pk).status == SnapshotComputation.Status.RUNNING
    SnapshotComputation.objects.filter(pk=computation.pk).update(status=SnapshotComputation.Status.DONE, learners_done=2)
    done = _status(client, studied_cohort)
    assert done["HX-Refresh"] == "true" and "hx-trigger" not in done.content.decode()


@pytest.mark.django_db
def test_a_computation_whose_worker_died_is_retried_then_failed_with_the_reason_shown(studied_cohort, instructor, web_client_for, settings):
    settings.MNEMO_JOB_MAX_ATTEMPTS = 2
    computation = snapshot_computation_request(cohort=studied_cohort, requested_by=instructor)
    long_ago = timezone.now() - timedelta(minutes=5)
    SnapshotComputation.objects.filter(pk=computation.pk).update(status=SnapshotComputation.Status.RUNNING, attempts=1, heartbeat_at=long_ago, worker="gone:1")

    assert snapshot_computations_recover_stale() == {"retried": 1, "failed": 0, "unstarted": 0}
    assert SnapshotComputation.objects.get(pk=computation.pk).status == SnapshotComputation.Status.QUEUED
    assert OutboxTask.objects.filter(task_name=COMPUTE_TASK).count() == 2

    SnapshotComputation.objects.filter(pk=computation.pk).update(status=SnapshotComputation.Status.RUNNING, attempts=2, heartbeat_at=long_ago)
    assert snapshot_computations_recover_stale()["failed"] == 1
    page = web_client_for(instructor).get(reverse("dashboards:cohort_dashboard", args=[studied_cohort.uuid])).content.decode()
    assert "The last computation failed: attempt 2 of 2: the worker gone:1 stopped reporting" in page


@pytest.mark.django_db
def test_a_computation_no_worker_starts_stops_holding_back_the_next(studied_cohort, instructor):
    computation = snapshot_computation_request(cohort=studied_cohort, requested_by=instructor)
    assert snapshot_computations_recover_stale()["unstarted"] == 0
    assert snapshot_computations_recover_stale(now=timezone.now() + timedelta(minutes=11))["unstarted"] == 1
    computation.refresh_from_db()
    assert computation.status == SnapshotComputation.Status.FAILED and "is a Celery worker running?" in computation.error


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_computes_the_cohort_and_its_members_own_snapshots(studied_cohort, instructor, owner, other_learner, start_worker):
    worker = start_worker()
    with transaction.atomic():
        computation = snapshot_computation_request(cohort=studied_cohort, requested_by=instructor, queue=worker.queue)

    done = wait_for_worker(
        lambda: SnapshotComputation.objects.filter(pk=computation.pk, status=SnapshotComputation.Status.DONE).first(), "the computation", worker
    )
    assert done.learners_done == done.learners_total == 2 and done.attempts == 1
    snapshot = CohortSnapshot.objects.get(cohort=studied_cohort)
    assert snapshot.computed_at >= computation.created_at and snapshot.learners.count() == 2
    assert set(RecallSnapshot.objects.values_list("learner__username", flat=True)) == {owner.username, other_learner.username}


@pytest.mark.django_db
def test_a_computation_that_loses_its_lease_stops_is_not_marked_done_and_logs_it(studied_cohort, instructor, monkeypatch, caplog):
    computation = snapshot_computation_request(cohort=studied_cohort, requested_by=instructor)
    real_refresh = services.snapshots_refresh

    def refresh_after_losing_the_lease(**kwargs):
        another_worker_takes_over(
            SnapshotComputation.objects, pk=computation.pk, queued=SnapshotComputation.Status.QUEUED, running=SnapshotComputation.Status.RUNNING
        )
        return real_refresh(**kwargs)

    monkeypatch.setattr(services, "snapshots_refresh", refresh_after_losing_the_lease)
    with caplog.at_level(logging.WARNING, logger="apps.leases"):
        services.snapshot_computation_run(computation_id=computation.pk, worker="worker-1:1")

    computation.refresh_from_db()
    assert computation.status == SnapshotComputation.Status.RUNNING and computation.attempts == 2 and computation.worker == OTHER_WORKER
    assert computation.learners_done == 0 and computation.finished_at is None
    assert f"snapshot computation {computation.pk} attempt 1 lost its lease; stopping" in caplog.text
