"""Deck imports too large to run in a web request, run by the Celery worker."""

from celery import shared_task

from apps.cards.services import deck_import_run


@shared_task(acks_late=True)
def run_deck_import(deck_import_id: int) -> None:
    deck_import_run(deck_import_id=deck_import_id)
