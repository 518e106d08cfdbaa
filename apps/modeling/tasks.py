"""Celery tasks of the modeling app: they take ids and call a service.

Every task is handed to Celery through the outbox (``apps.outbox.enqueue.enqueue_on_commit``),
so a broker outage delays work and never loses it. Training is ``acks_late`` without
``reject_on_worker_lost``: when the pool child running a run is killed, its task is
recorded as failed (WorkerLostError), never as a success, and the run row's lease decides
what happens next: ``recover_stale_runs`` (beat, every minute) queues it again or fails
it with the reason (``apps.modeling.training``). A message delivered while its run is
being trained by another attempt is dropped (``Ignore``), not reported as a success.

Its time limits are the worker's own settings, set when the worker starts: Celery
copies a task's ``soft_time_limit``/``time_limit`` attributes into every message it
sends, and a limit in the message overrides the worker's, so limits in the decorator
would be those of whichever process queued the run (the web process, beat, a bench).
"""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import Ignore
from celery.signals import worker_init
from django.conf import settings
from django.db import transaction

from apps.cards.models import Card
from apps.leases import this_process
from apps.modeling.embeddings import card_embeddings_ensure
from apps.modeling.models import TrainingRun
from apps.modeling.training import training_run_enqueue, training_run_execute, training_runs_recover_stale
from apps.modeling.triggers import training_runs_schedule_nightly, training_runs_schedule_on_new_logs
from apps.modeling.watch import served_versions_watch


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=False)
def train_model_version(self, run_id: int) -> str:
    """Carry out one training run; returns the status it ended with (a finished one)."""
    run = training_run_execute(run_id=run_id, worker=this_process(self.request.hostname))
    if run.status not in TrainingRun.FINISHED:
        raise Ignore()  # another attempt holds the run: this message has nothing to report
    return run.status


@worker_init.connect
def training_time_limits_from_worker_settings(**_) -> None:
    """Bound training runs by this worker's ``MNEMO_TRAINING_SOFT_TIME_LIMIT`` and ``MNEMO_TRAINING_TIME_LIMIT``."""
    train_model_version.soft_time_limit = settings.MNEMO_TRAINING_SOFT_TIME_LIMIT
    train_model_version.time_limit = settings.MNEMO_TRAINING_TIME_LIMIT


@shared_task
def embed_card(card_id: int) -> bool:
    """Store the embedding of the card's current text; False when the card is gone."""
    card = Card.all_objects.filter(pk=card_id).first()
    if card is None:
        return False
    card_embeddings_ensure(cards=[card])
    return True


@shared_task
def embed_deck(deck_id: int) -> int:
    """Store the embeddings of the deck's card texts not embedded yet (after an import); returns how many cards the deck has."""
    cards = list(Card.objects.filter(deck_id=deck_id))
    card_embeddings_ensure(cards=cards)
    return len(cards)


def _enqueue_all(runs: list[TrainingRun]) -> int:
    for run in runs:
        training_run_enqueue(run=run)
    return len(runs)


@shared_task
def train_nightly() -> int:
    """Queue the nightly runs; returns how many."""
    with transaction.atomic():
        return _enqueue_all(training_runs_schedule_nightly())


@shared_task
def train_on_new_logs() -> int:
    """Queue runs for scopes with ``MNEMO_TRAINING_NEW_LOGS_THRESHOLD`` new logs since their last run."""
    with transaction.atomic():
        return _enqueue_all(training_runs_schedule_on_new_logs())


@shared_task
def recover_stale_runs() -> dict:
    """Retry (or fail, with the reason) runs whose worker died, and fail runs no worker started; returns the counts."""
    return training_runs_recover_stale()


@shared_task
def watch_served_versions() -> dict[str, str]:
    """Compare every served version's online figures with its offline ones; roll back the clearly worse (``apps.modeling.watch``)."""
    return {check.version.label: check.verdict for check in served_versions_watch()}
