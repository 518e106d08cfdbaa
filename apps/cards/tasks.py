"""Deck imports too large to run in a web request, run by the Celery worker; and the recovery of imports whose worker died."""

from celery import shared_task

from apps.cards.services import deck_import_run, deck_imports_recover_stale
from apps.leases import this_process


@shared_task(bind=True, acks_late=True)
def run_deck_import(self, deck_import_id: int) -> None:
    deck_import_run(deck_import_id=deck_import_id, worker=this_process(self.request.hostname))


@shared_task
def recover_stale_deck_imports() -> dict:
    """Beat runs this every minute: an import whose worker died is queued again or failed with the reason."""
    return deck_imports_recover_stale()
