"""Work handed to Celery survives a broker outage: nothing that commits fails for want of Redis, nothing is lost.

The web side (this test process) publishes to an unreachable broker URL, or to a
redis-server of the test's own that the test stops and starts again (never the shared
one); a real worker then consumes from that Redis once it is back.
"""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.cards.models import Card
from apps.modeling.models import TrainingRun
from apps.modeling.training import training_run_enqueue
from apps.modeling.training import training_run_create
from apps.modeling.scopes import Scope
from apps.outbox.enqueue import outbox_sweep
from apps.outbox.models import OutboxTask

pytestmark = pytest.mark.django_db(transaction=True)
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"
WAIT_SECONDS = 300


def _later() -> timezone.datetime:
    """A moment past the outbox's grace period, so the sweep sends rows just written."""
    return timezone.now() + timedelta(minutes=5)


def test_creating_a_card_with_the_broker_unreachable_succeeds_once_and_keeps_the_embedding_task(
    owner, private_deck, web_client_for, celery_broker, settings
):
    settings.MNEMO_EMBED_CARDS_ON_SAVE = True
    celery_broker(UNREACHABLE_BROKER)
    url = reverse("cards:card_create", kwargs={"deck_uuid": private_deck.uuid})

    response = web_client_for(owner).post(url, {"front": "Longest river?", "back": "Nile", "tags": ""})

    assert response.status_code == 302
    card = Card.objects.get(deck=private_deck, front="Longest river?")
    [waiting] = [row for row in OutboxTask.objects.filter(task_name="apps.modeling.tasks.embed_card") if row.args == [card.pk]]
    assert waiting.sent_at is None and waiting.attempts == 1
    assert "127.0.0.1:1" in waiting.last_error or "refused" in waiting.last_error.lower()
    assert outbox_sweep(now=_later()) == 0  # still unreachable: the rows stay for the next sweep
    assert OutboxTask.objects.get(pk=waiting.pk).attempts == 2


def test_a_run_started_in_the_admin_with_the_broker_unreachable_is_queued_and_waits_in_the_outbox(
    admin_client, celery_broker
):
    celery_broker(UNREACHABLE_BROKER)

    response = admin_client.post(
        reverse("admin:modeling_trainingrun_add"), {"kind": "hlr", "deck": "", "cohort": "", "hyperparameters": "{}"}
    )

    assert response.status_code == 302
    run = TrainingRun.objects.get()
    assert run.status == TrainingRun.Status.QUEUED
    assert OutboxTask.objects.get(task_name="apps.modeling.tasks.train_model_version").args == [run.pk]


def _wait_until(done, worker, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if done():
            return
        assert worker.process.poll() is None, worker.output()
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def _wait_for_runs(runs: list[TrainingRun], worker) -> None:
    _wait_until(lambda: all(TrainingRun.objects.get(pk=run.pk).status in TrainingRun.FINISHED for run in runs), worker, "the runs")


@pytest.mark.worker
def test_runs_sent_while_redis_was_down_or_lost_in_its_restart_are_sent_again_and_trained(
    seeded_deck, admin_client, redis_server, celery_broker, start_worker
):
    OutboxTask.objects.all().delete()  # the seeded deck's embedding messages are not this test's
    celery_broker(redis_server.url)
    queue = "outage-test"
    sent_before = training_run_create(kind="hlr", scope=Scope(), trigger=TrainingRun.Trigger.ADMIN)
    training_run_enqueue(run=sent_before, queue=queue)
    assert OutboxTask.objects.get().sent_at is not None  # Redis accepted it, no worker has it yet

    redis_server.stop()  # the accepted message dies with it: no persistence
    during_outage = training_run_create(kind="fsrs6", scope=Scope(), trigger=TrainingRun.Trigger.ADMIN)
    training_run_enqueue(run=during_outage, queue=queue)
    assert OutboxTask.objects.filter(sent_at__isnull=True).count() == 1
    redis_server.start()

    assert outbox_sweep(now=_later(), resend_after=timedelta(0)) == 2
    worker = start_worker(queue=queue, env={"REDIS_URL": redis_server.url})
    _wait_for_runs([sent_before, during_outage], worker)

    for run in (sent_before, during_outage):
        run.refresh_from_db()
        assert run.status == TrainingRun.Status.SUCCEEDED, run.message
        assert run.attempts == 1
    # the worker clears each message as its task starts, the snapshot refresh that a promotion sends on the same queue too
    _wait_until(lambda: not OutboxTask.objects.exists(), worker, "the outbox to empty")
