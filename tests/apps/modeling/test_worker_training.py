"""A real Celery worker trains, the better version serves, and the run survives duplicates and killed workers.

Each test starts ``celery -A config worker`` on a queue of its own against the test
database (committed rows: transactional tests) and the configured broker (Redis when
``REDIS_URL`` is set, else the filesystem broker).
"""

import json
import os
import re
import signal
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_celery_results.models import TaskResult

from apps.modeling.models import ModelVersion, Promotion, TrainingRun
from apps.modeling.scopes import Scope
from apps.modeling.serving import active_model_for_deck
from apps.modeling.tasks import train_model_version
from apps.modeling.training import training_run_create, training_run_enqueue, training_run_execute, training_runs_recover_stale
from apps.modeling.triggers import training_runs_schedule_nightly
from tests.conftest import WORKER_WAIT_SECONDS, wait_for_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

def _queued_run(kind, queue, **hyperparameters) -> TrainingRun:
    with transaction.atomic():
        run = training_run_create(kind=kind, scope=Scope(), trigger=TrainingRun.Trigger.ADMIN, hyperparameters=hyperparameters)
        training_run_enqueue(run=run, queue=queue)
    return run


def _finished(run: TrainingRun) -> TrainingRun | None:
    run.refresh_from_db()
    return run if run.status in TrainingRun.FINISHED else None


def test_a_worker_trains_karl_and_fsrs6_and_the_better_one_serves_with_its_reliability_diagram(
    seeded_deck, settings, start_worker, small_karl, admin_client
):
    settings.MNEMO_PROMOTION_MAX_ECE = 1.0
    worker = start_worker()
    karl_run = _queued_run("karl", worker.queue, **small_karl)
    fsrs_run = _queued_run("fsrs6", worker.queue)

    for run in (karl_run, fsrs_run):
        wait_for_worker(lambda: _finished(run), f"the {run.kind} run", worker)
        assert run.status == TrainingRun.Status.SUCCEEDED, run.message
    karl, fsrs = ModelVersion.objects.get(kind="karl"), ModelVersion.objects.get(kind="fsrs6")
    for version in (karl, fsrs):
        assert version.n > 0 and version.log_loss > 0 and version.reliability
    assert fsrs.compared_with["label"] == karl.label
    assert fsrs.compared_with["log_loss"] == pytest.approx(karl.log_loss)  # the same held-out logs
    better, worse = (fsrs, karl) if fsrs.log_loss < karl.log_loss else (karl, fsrs)
    better.refresh_from_db()
    worse.refresh_from_db()
    assert better.is_active and not worse.is_active
    assert active_model_for_deck(deck=seeded_deck, kind=None).version == better.label

    page = admin_client.get(reverse("admin:modeling_calibration", args=[better.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    drawn = re.search(r'<script id="offline-reliability-bins" type="application/json">(.*?)</script>', html, re.S)
    assert json.loads(drawn.group(1)) == better.reliability
    table = re.search(r'<table id="offline-reliability-table">(.*?)</table>', html, re.S).group(1)
    assert [int(count) for count in re.findall(r"<td>(\d+)</td></tr>", table)] == [bin["count"] for bin in better.reliability]
    scope_page = admin_client.get(reverse("admin:modeling_scope", args=["all"])).content.decode()
    assert re.search(rf'class="active-version">\s*<td><a [^>]*>{better.label}</a>', scope_page)


def test_the_same_run_message_delivered_twice_trains_once_and_promotes_once(seeded_deck, settings, start_worker):
    settings.MNEMO_PROMOTION_MAX_ECE = 1.0
    worker = start_worker()
    run = training_run_create(kind="hlr", scope=Scope(), trigger=TrainingRun.Trigger.ADMIN)

    results = [train_model_version.apply_async(args=[run.pk], queue=worker.queue) for _ in range(2)]

    assert [result.get(timeout=WORKER_WAIT_SECONDS) for result in results] == [TrainingRun.Status.SUCCEEDED] * 2
    assert ModelVersion.objects.filter(run=run).count() == 1
    assert Promotion.objects.count() == 1


def _active_hlr_version() -> ModelVersion:
    """An HLR version trained in the foreground and served: the model a failed run must leave serving."""
    version = training_run_execute(
        run_id=training_run_create(kind="hlr", scope=Scope(), trigger=TrainingRun.Trigger.COMMAND).pk
    ).version
    assert version.is_active
    return version


def _endless(small_karl: dict) -> dict:
    """KARL hyper-parameters that keep it training until something stops it."""
    return {**small_karl, "max_epochs": 100_000, "patience": 100_000}


def _assert_still_served(previous: ModelVersion, failed_run: TrainingRun, deck) -> None:
    assert not ModelVersion.objects.filter(run=failed_run).exists()
    previous.refresh_from_db()
    assert previous.is_active
    assert active_model_for_deck(deck=deck, kind=None).version == previous.label


def _training_pid(run: TrainingRun, attempt: int, worker) -> int:
    """The process training the given attempt of the run (the pool child under prefork), once its first epoch is done."""
    def training() -> TrainingRun | None:
        current = TrainingRun.objects.get(pk=run.pk)
        assert current.status not in TrainingRun.FINISHED, f"the run ended before it could be killed: {current.message}"
        return current if current.attempts == attempt and current.progress.get("epoch") else None

    return int(wait_for_worker(training, f"attempt {attempt}'s first epoch", worker).worker.rsplit(":", 1)[1])


def _training_task_results(run: TrainingRun) -> list[TaskResult]:
    return [
        result for result in TaskResult.objects.filter(task_name=train_model_version.name)
        if str(run.pk) in (result.task_args or "")
    ]


def test_a_pool_child_killed_mid_training_is_recorded_failed_and_the_run_retried_then_failed_after_its_last_attempt(
    seeded_deck, settings, start_worker, small_karl
):
    settings.MNEMO_PROMOTION_MAX_ECE = 1.0
    settings.MNEMO_TRAINING_MAX_ATTEMPTS = 2
    previous = _active_hlr_version()
    worker = start_worker(pool="prefork")
    long_run = _queued_run("karl", worker.queue, **_endless(small_karl))

    os.kill(_training_pid(long_run, 1, worker), signal.SIGKILL)
    [lost] = wait_for_worker(lambda: _training_task_results(long_run), "the killed task's result", worker)
    assert lost.status == "FAILURE" and "WorkerLostError" in lost.result  # never reported as a success
    assert training_runs_recover_stale(stale_after=timedelta(0)) == {"retried": 1, "failed": 0}
    long_run.refresh_from_db()
    assert long_run.status == TrainingRun.Status.QUEUED and "attempt 1 of 2" in long_run.message

    os.kill(_training_pid(long_run, 2, worker), signal.SIGKILL)  # the pool's new child took the retry
    wait_for_worker(lambda: len(_training_task_results(long_run)) == 2, "the second killed task's result", worker)
    assert training_runs_recover_stale(stale_after=timedelta(0)) == {"retried": 0, "failed": 1}
    long_run.refresh_from_db()
    assert long_run.status == TrainingRun.Status.FAILED
    assert "attempt 2 of 2" in long_run.message and "no attempts left" in long_run.message
    assert not any(result.status == "SUCCESS" for result in _training_task_results(long_run))
    _assert_still_served(previous, long_run, seeded_deck)


def test_a_worker_killed_as_a_whole_has_its_run_retried_by_a_replacement_worker_on_the_same_queue(
    seeded_deck, settings, start_worker, small_karl
):
    settings.MNEMO_PROMOTION_MAX_ECE = 1.0
    previous = _active_hlr_version()
    worker = start_worker()
    long_run = _queued_run("karl", worker.queue, **_endless(small_karl))

    _training_pid(long_run, 1, worker)
    worker.kill()
    long_run.refresh_from_db()
    assert long_run.status == TrainingRun.Status.RUNNING  # nobody finished it: the worker died
    assert training_runs_recover_stale(stale_after=timedelta(0)) == {"retried": 1, "failed": 0}

    # The replacement stops the endless run at its soft time limit, so the retry ends on its own.
    replacement = start_worker(queue=worker.queue, pool="prefork", env={"MNEMO_TRAINING_SOFT_TIME_LIMIT": "5"})
    wait_for_worker(lambda: _finished(long_run), "the retried run", replacement)
    assert long_run.attempts == 2
    assert long_run.status == TrainingRun.Status.FAILED and "soft time limit of 5 s" in long_run.message
    _assert_still_served(previous, long_run, seeded_deck)


def test_a_message_for_a_run_another_attempt_is_training_is_ignored_not_reported_as_a_success(seeded_deck):
    run = training_run_create(kind="hlr", scope=Scope(), trigger=TrainingRun.Trigger.ADMIN)
    TrainingRun.objects.filter(pk=run.pk).update(status=TrainingRun.Status.RUNNING, attempts=1, heartbeat_at=timezone.now())

    result = train_model_version.apply(args=[run.pk])

    assert result.state == "IGNORED"
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.RUNNING and run.attempts == 1


def test_a_run_no_worker_started_is_failed_with_the_reason_and_its_kind_trains_again(seeded_deck, settings):
    settings.MNEMO_TRAINING_KINDS = ["hlr"]
    settings.MNEMO_TRAINING_MIN_LOGS = 50
    settings.MNEMO_TRAINING_QUEUED_HOURS = 6
    forgotten = training_run_create(kind="hlr", scope=Scope(), trigger=TrainingRun.Trigger.NIGHTLY)
    TrainingRun.objects.filter(pk=forgotten.pk).update(queued_at=timezone.now() - timedelta(hours=7))
    assert "all" not in {run.scope_key for run in training_runs_schedule_nightly()}  # the forgotten run keeps it busy

    assert training_runs_recover_stale() == {"retried": 0, "failed": 1}

    forgotten.refresh_from_db()
    assert forgotten.status == TrainingRun.Status.FAILED and "no worker started it within 6:00:00" in forgotten.message
    assert [run.kind for run in training_runs_schedule_nightly() if run.scope_key == "all"] == ["hlr"]


def test_the_workers_soft_time_limit_ends_a_long_run_failed_and_the_active_model_serving(
    seeded_deck, settings, start_worker, small_karl
):
    settings.MNEMO_PROMOTION_MAX_ECE = 1.0
    previous = _active_hlr_version()
    # This process keeps the default limits (an hour): the worker's own settings must decide.
    worker = start_worker(pool="prefork", env={"MNEMO_TRAINING_SOFT_TIME_LIMIT": "10", "MNEMO_TRAINING_TIME_LIMIT": "120"})
    long_run = _queued_run("karl", worker.queue, **_endless(small_karl))

    wait_for_worker(lambda: _finished(long_run), "the soft time limit to stop the run", worker)

    assert long_run.status == TrainingRun.Status.FAILED, long_run.message
    assert "soft time limit of 10 s" in long_run.message
    _assert_still_served(previous, long_run, seeded_deck)
