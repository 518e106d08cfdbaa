"""Deck imports too large to run in a web request, run by the Celery worker; and the recovery of imports whose worker died.

Both tasks keep the Celery names they had when deck import lived in ``apps.cards``:
outbox rows (``apps.outbox``), messages on the broker and beat's schedule
(``CELERY_BEAT_SCHEDULE``) written before the move name them, and a renamed task would
leave those unrouted.
"""

from celery import shared_task

from apps.deck_io.services import RUN_DECK_IMPORT_TASK, deck_import_run, deck_imports_recover_stale
from apps.leases import this_process

RECOVER_STALE_DECK_IMPORTS_TASK = "apps.cards.tasks.recover_stale_deck_imports"


@shared_task(bind=True, acks_late=True, name=RUN_DECK_IMPORT_TASK)
def run_deck_import(self, deck_import_id: int) -> None:
    deck_import_run(deck_import_id=deck_import_id, worker=this_process(self.request.hostname))


@shared_task(name=RECOVER_STALE_DECK_IMPORTS_TASK)
def recover_stale_deck_imports() -> dict:
    """Beat runs this every minute: an import whose worker died is queued again or failed with the reason."""
    return deck_imports_recover_stale()
