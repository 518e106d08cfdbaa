"""Writes for decks and cards. Deleting only hides a deck or card, so its study logs stay valid."""

import html
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.cards.content import content_hash
from apps.cards.deck_files.limits import ImportLimits
from apps.cards.deck_files.reading import read_deck_file
from apps.cards.deck_files.records import CardRow, DeckFile, DeckFileError, MediaFile
from apps.cards.models import Card, Deck, DeckImport, DeckMedia
from apps.cards.signals import cards_imported
from apps.leases import Heartbeat, LeaseLost, lease_claim, leased, stale_leases_recover, this_process
from apps.outbox.enqueue import enqueue_on_commit
from apps.study.services import IMPORT_BATCH_SIZE, imported_history_prepare, imported_history_save

logger = logging.getLogger(__name__)

MEDIA_SOURCE = re.compile(r'(<img\b[^>]*?\bsrc=)"([^"]*)"', re.IGNORECASE)


def deck_create(*, owner, title: str, description: str = "", visibility: str = Deck.Visibility.PRIVATE) -> Deck:
    return Deck.objects.create(owner=owner, title=title, description=description, visibility=visibility)


def deck_update(*, deck: Deck, title: str, description: str, visibility: str) -> Deck:
    deck.title, deck.description, deck.visibility = title, description, visibility
    deck.save(update_fields=["title", "description", "visibility", "updated_at"])
    return deck


def deck_delete(*, deck: Deck) -> None:
    """Hide the deck and its cards from everyone; their logs remain."""
    now = timezone.now()
    with transaction.atomic():
        Card.objects.filter(deck=deck).update(deleted_at=now)
        deck.deleted_at = now
        deck.save(update_fields=["deleted_at"])


def card_create(*, deck: Deck, front: str, back: str, tags: list[str]) -> Card:
    return Card.objects.create(deck=deck, front=front, back=back, tags=tags)


def card_update(*, card: Card, front: str, back: str, tags: list[str]) -> Card:
    """Change the text; logs keep pointing at the card, and the content hash follows the text."""
    card.front, card.back, card.tags = front, back, tags
    card.save(update_fields=["front", "back", "tags", "updated_at"])
    return card


def card_delete(*, card: Card) -> None:
    card.deleted_at = timezone.now()
    card.save(update_fields=["deleted_at"])


@transaction.atomic
def deck_import_cards(*, deck: Deck, rows: list[CardRow]) -> int:
    """Add the rows whose text the deck does not hold yet (safe to repeat); return how many were added."""
    known = set(Card.objects.filter(deck=deck).values_list("content_hash", flat=True))
    added = []
    for row in rows:
        digest = content_hash(row.front, row.back)
        if digest in known:
            continue
        known.add(digest)
        added.append(Card(deck=deck, front=row.front, back=row.back, tags=row.tags, content_hash=digest))
    Card.objects.bulk_create(added)
    if added:
        cards_imported.send(sender=Deck, deck=deck)
    return len(added)


@dataclass(frozen=True)
class DeckImportResult:
    deck: Deck
    cards: int
    notes: int
    review_logs: int
    skipped: list[str]

    def as_json(self) -> dict:
        """The summary ``manage.py import_deck`` prints and the import page shows."""
        return {"deck": str(self.deck.uuid), "cards": self.cards, "notes": self.notes, "review_logs": self.review_logs, "skipped": self.skipped}


def deck_import_file(*, owner, deck_file: DeckFile, title: str = "", on_progress=None, on_saved=None) -> DeckImportResult:
    """Create a deck from a read deck file: cards, media and the owner's review history, in one transaction.

    The history is replayed into FSRS states before the transaction opens (the slow part,
    reported through ``on_progress(stage, done, total)``); then everything is written at
    once, so an error leaves no deck, card, log or media file behind. The "done" report and
    ``on_saved(result)`` run inside that transaction, so what they record commits with the
    deck or not at all.
    """
    report = on_progress or (lambda stage, done, total: None)
    history = imported_history_prepare(
        learner=owner, reviews=deck_file.reviews, on_progress=lambda done, total: report("replaying reviews", done, total)
    )
    report("saving", 0, 1)
    saved_files: list[str] = []
    try:
        with transaction.atomic():
            deck = deck_create(owner=owner, title=(title or deck_file.title)[:200])
            media_urls = _media_store(deck=deck, media=deck_file.media, saved_files=saved_files)
            cards = Card.objects.bulk_create(
                [_imported_card(deck, row, media_urls) for row in deck_file.cards], batch_size=IMPORT_BATCH_SIZE
            )
            cards_by_key = {row.anki_card_id: card for row, card in zip(deck_file.cards, cards) if row.anki_card_id is not None}
            logs = imported_history_save(history=history, cards_by_key=cards_by_key)
            cards_imported.send(sender=Deck, deck=deck)
            result = DeckImportResult(deck=deck, cards=len(cards), notes=deck_file.note_count, review_logs=logs, skipped=deck_file.skipped)
            report("done", 1, 1)
            if on_saved:
                on_saved(result)
    except BaseException:
        for name in saved_files:
            default_storage.delete(name)
        raise
    return result


def _imported_card(deck: Deck, row: CardRow, media_urls: dict[str, str]) -> Card:
    front, back = (_with_media_urls(side, media_urls) for side in (row.front, row.back))
    return Card(deck=deck, front=front, back=back, tags=row.tags, subdeck=row.subdeck, content_hash=content_hash(front, back))


def _with_media_urls(text: str, media_urls: dict[str, str]) -> str:
    """Point ``src="name"`` of an imported media file at the URL that serves it."""
    if not media_urls:
        return text
    return MEDIA_SOURCE.sub(lambda match: f'{match.group(1)}"{media_urls.get(html.unescape(match.group(2)), match.group(2))}"', text)


def _media_store(*, deck: Deck, media: list[MediaFile], saved_files: list[str]) -> dict[str, str]:
    """Save the deck's media files; return name -> URL. ``saved_files`` collects what to delete if the import fails."""
    urls = {}
    for item in media:
        record = DeckMedia(deck=deck, name=item.name, size=len(item.data))
        record.file.save(item.name, ContentFile(item.data), save=False)
        saved_files.append(record.file.name)
        record.save()
        urls[item.name] = reverse("cards:deck_media", kwargs={"deck_uuid": deck.uuid, "name": item.name})
    return urls


PREVIEW_ROWS = 5
PREVIEW_WARNINGS = 50


def deck_import_create(*, owner, upload, title: str = "") -> DeckImport:
    """Keep an uploaded file for preview: read it once, store the counts, first rows and warnings.

    A file that cannot be read raises DeckFileError and leaves nothing behind.
    """
    deck_import = DeckImport(owner=owner, original_name=upload.name[:255], title=title)
    deck_import.upload.save(upload.name, upload, save=False)
    try:
        deck_file = read_deck_file(Path(deck_import.upload.path), limits=ImportLimits.from_settings(), title=title, name=upload.name)
    except BaseException:
        deck_import.upload.delete(save=False)
        raise
    deck_import.title = (title or deck_file.title)[:200]
    deck_import.preview = {
        "cards": len(deck_file.cards),
        "notes": deck_file.note_count,
        "review_logs": len(deck_file.reviews),
        "media": len(deck_file.media),
        "rows": [{"front": row.front, "back": row.back, "tags": row.tags, "subdeck": row.subdeck} for row in deck_file.cards[:PREVIEW_ROWS]],
        "skipped": deck_file.skipped[:PREVIEW_WARNINGS],
        "skipped_count": len(deck_file.skipped),
    }
    deck_import.save()
    return deck_import


def deck_import_confirm(*, deck_import: DeckImport) -> DeckImport:
    """Import a previewed upload: at once when it is small, else as a Celery job whose progress the page shows."""
    if deck_import.status != DeckImport.Status.PREVIEW:
        return deck_import
    if deck_import.preview["cards"] <= settings.MNEMO_IMPORT_BACKGROUND_CARDS:
        DeckImport.objects.filter(pk=deck_import.pk).update(status=DeckImport.Status.QUEUED)
        deck_import_run(deck_import_id=deck_import.pk)
    else:
        from apps.cards.tasks import run_deck_import

        with transaction.atomic():
            DeckImport.objects.filter(pk=deck_import.pk).update(status=DeckImport.Status.QUEUED)
            enqueue_on_commit(run_deck_import, args=[deck_import.pk], queue=settings.MNEMO_IMPORT_QUEUE or None)
    deck_import.refresh_from_db()
    return deck_import


def deck_import_run(*, deck_import_id: int, worker: str | None = None) -> None:
    """Claim a queued import and run it (idempotent: a second message finds it claimed and does nothing).

    The claim is a lease (``apps.leases``) renewed while the import runs; the import is
    marked done in the transaction that writes the deck, and only while this attempt holds
    the lease, so an attempt that lost it writes nothing and a retry never makes a second deck.
    """
    attempt = lease_claim(
        DeckImport.objects, pk=deck_import_id, queued=DeckImport.Status.QUEUED, running=DeckImport.Status.RUNNING,
        worker=worker or this_process(), error="",
    )
    if attempt is None:
        return
    lease = leased(DeckImport.objects, pk=deck_import_id, attempt=attempt, running=DeckImport.Status.RUNNING)
    deck_import = DeckImport.objects.select_related("owner").get(pk=deck_import_id)

    def progress(stage: str, done: int, total: int) -> None:
        lease.update(progress_stage=stage, progress_done=done, progress_total=total, heartbeat_at=timezone.now())

    def mark_done(result: DeckImportResult) -> None:
        if not lease.update(status=DeckImport.Status.DONE, result=result.as_json(), deck=result.deck):
            raise LeaseLost(f"deck import {deck_import_id} attempt {attempt} lost its lease; nothing was imported by it")

    try:
        with Heartbeat(lease, name=f"deck import {deck_import_id}"):
            deck_file = read_deck_file(
                Path(deck_import.upload.path), limits=ImportLimits.from_settings(), title=deck_import.title, name=deck_import.original_name
            )
            deck_import_file(owner=deck_import.owner, deck_file=deck_file, title=deck_import.title, on_progress=progress, on_saved=mark_done)
    except LeaseLost as lost:
        logger.warning("%s", lost)
        return  # the attempt holding the lease now owns the upload
    except (DeckFileError, OSError) as error:
        lease.update(status=DeckImport.Status.FAILED, error=str(error))
    except Exception:
        lease.update(status=DeckImport.Status.FAILED, error="an unexpected error; nothing was imported")
        deck_import.upload.delete(save=False)
        raise
    deck_import.upload.delete(save=False)


def deck_imports_recover_stale() -> dict:
    """Queue again (or fail, with the reason) the imports whose worker stopped renewing its lease; returns the counts."""
    from apps.cards.tasks import run_deck_import  # the tasks module imports this one

    return stale_leases_recover(
        DeckImport.objects, running=DeckImport.Status.RUNNING,
        retry=lambda reason: {"status": DeckImport.Status.QUEUED, "error": reason},
        fail=lambda reason: {"status": DeckImport.Status.FAILED, "error": f"{reason}; nothing was imported"},
        on_retry=lambda deck_import: enqueue_on_commit(run_deck_import, args=[deck_import.pk], queue=settings.MNEMO_IMPORT_QUEUE or None),
        on_fail=lambda deck_import: deck_import.upload.delete(save=False),
    )
