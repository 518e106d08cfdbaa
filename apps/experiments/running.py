"""Which experiment runs on a deck: asked before every next-card decision, remembered for a few seconds.

Experiments start and stop rarely, while every card shown asks about its deck, so each
process keeps the answer (``None`` included) for ``REMEMBER_SECONDS`` per deck UUID. A
start, stop or deletion saved in this process forgets every answer at once (and again
when its transaction commits, so a request in between cannot keep the old one);
another process sees the change within ``REMEMBER_SECONDS``.
"""

import threading
import time

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.cards.models import Deck
from apps.experiments.models import Experiment

REMEMBER_SECONDS = 5.0
MAX_REMEMBERED_DECKS = 10_000

_remembered: dict[object, tuple[float, Experiment | None]] = {}
_remembered_lock = threading.Lock()


def running_experiment(deck: Deck) -> Experiment | None:
    """The experiment running on ``deck``, or None."""
    now = time.monotonic()
    with _remembered_lock:
        remembered = _remembered.get(deck.uuid)
    if remembered is not None and remembered[0] > now:
        return remembered[1]
    experiment = Experiment.objects.filter(deck=deck, status=Experiment.Status.RUNNING).first()
    with _remembered_lock:
        if len(_remembered) >= MAX_REMEMBERED_DECKS:
            _remembered.clear()  # a long-running process studying many decks keeps a bounded memory
        _remembered[deck.uuid] = (now + REMEMBER_SECONDS, experiment)
    return experiment


def forget_running_experiments() -> None:
    with _remembered_lock:
        _remembered.clear()


@receiver(post_save, sender=Experiment, dispatch_uid="experiments-forget-running-on-save")
@receiver(post_delete, sender=Experiment, dispatch_uid="experiments-forget-running-on-delete")
def _experiment_changed(sender, **kwargs) -> None:
    forget_running_experiments()
    transaction.on_commit(forget_running_experiments)
