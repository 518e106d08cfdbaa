"""A real Celery worker trains, the better version serves, and the run survives duplicates and a killed worker.

Each test starts ``celery -A config worker`` on a queue of its own against the test
database (committed rows: transactional tests) and the configured broker (Redis when
``REDIS_URL`` is set, else the filesystem broker).
"""

import json
import re
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse

from apps.modeling.models import ModelVersion, Promotion, TrainingRun
from apps.modeling.scopes import Scope
from apps.modeling.serving import active_model_for_deck
from apps.modeling.tasks import train_model_version, training_run_enqueue
from apps.modeling.training import training_run_create, training_run_execute, training_runs_fail_stale
from tests.conftest import wait_for_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
WAIT_SECONDS = 420


_wait_for = wait_for_worker


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
        _wait_for(lambda: _finished(run), f"the {run.kind} run", worker)
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

    assert [result.get(timeout=WAIT_SECONDS) for result in results] == [TrainingRun.Status.SUCCEEDED] * 2
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


def test_a_worker_killed_mid_training_leaves_the_run_failed_and_the_active_model_serving(
    seeded_deck, settings, start_worker, small_karl
):
    settings.MNEMO_PROMOTION_MAX_ECE = 1.0
    previous = _active_hlr_version()
    worker = start_worker()
    long_run = _queued_run("karl", worker.queue, **_endless(small_karl))

    _wait_for(lambda: TrainingRun.objects.get(pk=long_run.pk).progress.get("epoch"), "the first epoch", worker)
    worker.kill()

    long_run.refresh_from_db()
    assert long_run.status == TrainingRun.Status.RUNNING  # nobody finished it: the worker died
    assert training_runs_fail_stale(stale_after=timedelta(0)) == 1
    long_run.refresh_from_db()
    assert long_run.status == TrainingRun.Status.FAILED and "stopped reporting" in long_run.message
    _assert_still_served(previous, long_run, seeded_deck)

    redelivered = train_model_version.apply_async(args=[long_run.pk], queue=start_worker().queue)
    assert redelivered.get(timeout=WAIT_SECONDS) == TrainingRun.Status.FAILED  # claimed before: not trained again


def test_the_workers_soft_time_limit_ends_a_long_run_failed_and_the_active_model_serving(
    seeded_deck, settings, start_worker, small_karl
):
    settings.MNEMO_PROMOTION_MAX_ECE = 1.0
    previous = _active_hlr_version()
    # This process keeps the default limits (an hour): the worker's own settings must decide.
    worker = start_worker(pool="prefork", env={"MNEMO_TRAINING_SOFT_TIME_LIMIT": "10", "MNEMO_TRAINING_TIME_LIMIT": "120"})
    long_run = _queued_run("karl", worker.queue, **_endless(small_karl))

    _wait_for(lambda: _finished(long_run), "the soft time limit to stop the run", worker)

    assert long_run.status == TrainingRun.Status.FAILED, long_run.message
    assert "soft time limit of 10 s" in long_run.message
    _assert_still_served(previous, long_run, seeded_deck)
