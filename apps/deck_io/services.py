"""Deck import from a file (CSV, TSV, an Anki package or collection), with the learner's review history: preview, confirm, run, recover.

The import writes cards (``apps.cards``) and the learner's study logs, card states and
marks (``apps.study``, through ``anki_history``), which is why it lives in this app above
both instead of in ``cards``. An upload is read once for its preview (a ``DeckImport``
row), then imported at once when small or by the Celery task ``RUN_DECK_IMPORT_TASK``,
under a lease, when large.
"""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse

from apps.cards.deck_files.limits import ImportLimits
from apps.cards.deck_files.reading import read_deck_file
from apps.cards.deck_files.records import CardRow, DeckFile, DeckFileError, MediaFile
from apps.cards.deck_names import SEPARATOR, DeckNameError, same_deck_name
from apps.cards.models import Deck, DeckImport, DeckMedia
from apps.cards.note_services import BasicCardText, basic_notes_bulk_create
from apps.cards.services import deck_create, deck_name_unused, deck_path_ensure
from apps.cards.signals import cards_imported
from apps.deck_io.anki_history import (
    anki_marks_apply,
    anki_schedules_apply,
    imported_history_of,
    imported_history_prepare,
    imported_history_save,
)
from apps.deck_io.import_services import anki_import_preview, anki_notes_create, with_parents
from apps.leases import Lease, stale_leases_recover, this_process
from apps.outbox.enqueue import enqueue_on_commit


# The task's Celery name as deck imports have always been queued under it: outbox rows
# and broker messages written before the move to this app name it (``tasks.py``).
RUN_DECK_IMPORT_TASK = "apps.cards.tasks.run_deck_import"


@dataclass(frozen=True)
class DeckImportResult:
    deck: Deck
    cards: int
    notes: int
    review_logs: int
    skipped: list[str]
    note_types: int = 0
    decks: int = 1
    media: int = 0

    def as_json(self) -> dict:
        """The summary ``manage.py import_deck`` prints and the import page shows."""
        return {
            "deck": str(self.deck.uuid), "cards": self.cards, "notes": self.notes, "review_logs": self.review_logs,
            "note_types": self.note_types, "decks": self.decks, "media": self.media, "skipped": self.skipped,
        }


def deck_import_file(*, owner, deck_file: DeckFile, title: str = "", on_progress=None, on_saved=None) -> DeckImportResult:
    """Import a read deck file: notes, cards, media and the owner's review history, in one transaction.

    An Anki file's decks are the owner's decks of the same names (made when missing, as
    Anki imports into the decks a collection has), its notes keep their note types and
    its cards their scheduling state (``apps.deck_io.import_services``); a CSV file's rows
    become Basic notes in a new deck. The history is replayed into FSRS states before the
    transaction opens (the slow part, reported through ``on_progress(stage, done,
    total)``); then everything is written at once, so an error leaves no deck, note,
    card, log or media file behind. The "done" report and ``on_saved(result)`` run inside
    that transaction, so what they record commits with the deck or not at all.
    """
    report = on_progress or (lambda stage, done, total: None)
    history = imported_history_prepare(
        learner=owner, reviews=deck_file.reviews, on_progress=lambda done, total: report("replaying reviews", done, total)
    )
    if deck_file.notes:
        anki_schedules_apply(history=history, learner=owner, rows=deck_file.cards)
    report("saving", 0, 1)
    saved_files: list[str] = []
    skipped = list(deck_file.skipped)
    try:
        with transaction.atomic():
            if deck_file.notes:
                deck = deck_path_ensure(owner=owner, title=deck_file.title)
                decks = {name: deck_path_ensure(owner=owner, title=name) for name in deck_file.decks}
                media_urls = _media_store(deck=deck, media=deck_file.media, saved_files=saved_files)
                cards_by_key = anki_notes_create(owner=owner, deck_file=deck_file, decks=decks, media_urls=media_urls, skipped=skipped)
                anki_marks_apply(learner=owner, rows=deck_file.cards, cards_by_key=cards_by_key)
                notes = len({card.note_id for card in cards_by_key.values()})
            else:
                deck = deck_create(owner=owner, title=deck_name_unused(owner=owner, title=title or deck_file.title))
                decks = _row_decks(root=deck, file_root=deck_file.title, rows=deck_file.cards, skipped=skipped)
                cards = basic_notes_bulk_create(
                    cards=[BasicCardText(deck=decks[row.subdeck], front=row.front, back=row.back, tags=row.tags) for row in deck_file.cards]
                )
                cards_by_key, notes = {}, len(cards)
            logs = imported_history_save(history=imported_history_of(history, cards_by_key), cards_by_key=cards_by_key)
            for receiving in decks.values():
                cards_imported.send(sender=Deck, deck=receiving)
            result = DeckImportResult(
                deck=deck, cards=len(cards_by_key) if deck_file.notes else notes, notes=notes, review_logs=logs, skipped=skipped,
                note_types=len(deck_file.note_types), decks=len(with_parents([held.title for held in decks.values()])), media=len(deck_file.media),
            )
            report("done", 1, 1)
            if on_saved:
                on_saved(result)
    except BaseException:
        for name in saved_files:
            default_storage.delete(name)
        raise
    return result


def _row_decks(*, root: Deck, file_root: str, rows: list[CardRow], skipped: list[str]) -> dict[str, Deck]:
    """A CSV row's deck (``file_root::Spanish::Verbs``) -> the deck under ``root`` it goes to; no deck is ``root`` itself."""
    decks = {}
    for subdeck in sorted({row.subdeck for row in rows}):
        parts = [part.strip() for part in subdeck.split(SEPARATOR) if part.strip()]
        if parts and same_deck_name(parts[0], file_root):
            parts = parts[1:]
        try:
            decks[subdeck] = deck_path_ensure(owner=root.owner, title=SEPARATOR.join([root.title, *parts])) if parts else root
        except DeckNameError as error:
            skipped.append(f"deck {subdeck[:80]!r}: {error}; its cards are in “{root.title}”")
            decks[subdeck] = root
    return decks


def _media_store(*, deck: Deck, media: list[MediaFile], saved_files: list[str]) -> dict[str, str]:
    """Save the deck's media files (a name it holds already keeps its file); return name -> URL.

    ``saved_files`` collects what to delete if the import fails.
    """
    held = set(DeckMedia.objects.filter(deck=deck).values_list("name", flat=True))
    urls = {}
    for item in media:
        if item.name not in held:
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
        **anki_import_preview(owner=owner, deck_file=deck_file),
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
        with transaction.atomic():
            DeckImport.objects.filter(pk=deck_import.pk).update(status=DeckImport.Status.QUEUED)
            _deck_import_enqueue(deck_import)
    deck_import.refresh_from_db()
    return deck_import


def _deck_import_enqueue(deck_import: DeckImport) -> None:
    enqueue_on_commit(RUN_DECK_IMPORT_TASK, args=[deck_import.pk], queue=settings.MNEMO_IMPORT_QUEUE or None)


def deck_import_run(*, deck_import_id: int, worker: str | None = None) -> None:
    """Claim a queued import and run it (idempotent: a second message finds it claimed and does nothing).

    The claim is a lease (``apps.leases``) renewed while the import runs; the import is
    marked done in the transaction that writes the deck, and only while this attempt holds
    the lease, so an attempt that lost it writes nothing and a retry never makes a second deck.
    """
    lease = Lease.claim(
        DeckImport.objects, pk=deck_import_id, queued=DeckImport.Status.QUEUED, running=DeckImport.Status.RUNNING,
        worker=worker or this_process(), name=f"deck import {deck_import_id}", error="",
    )
    if lease is None:
        return
    deck_import = DeckImport.objects.select_related("owner").get(pk=deck_import_id)

    def progress(stage: str, done: int, total: int) -> None:
        lease.beat(progress_stage=stage, progress_done=done, progress_total=total)

    def mark_done(result: DeckImportResult) -> None:
        lease.finish(status=DeckImport.Status.DONE, result=result.as_json(), deck=result.deck)

    try:
        with lease.working():
            deck_file = read_deck_file(
                Path(deck_import.upload.path), limits=ImportLimits.from_settings(), title=deck_import.title, name=deck_import.original_name
            )
            deck_import_file(owner=deck_import.owner, deck_file=deck_file, title=deck_import.title, on_progress=progress, on_saved=mark_done)
    except (DeckFileError, OSError) as error:
        lease.fail(status=DeckImport.Status.FAILED, error=str(error))
    except Exception:
        lease.fail(status=DeckImport.Status.FAILED, error="an unexpected error; nothing was imported")
        deck_import.upload.delete(save=False)
        raise
    if lease.lost:
        return  # the attempt holding the lease now owns the upload
    deck_import.upload.delete(save=False)


def deck_imports_recover_stale() -> dict:
    """Queue again (or fail, with the reason) the imports whose worker stopped renewing its lease; returns the counts."""
    return stale_leases_recover(
        DeckImport.objects, running=DeckImport.Status.RUNNING,
        retry=lambda reason: {"status": DeckImport.Status.QUEUED, "error": reason},
        fail=lambda reason: {"status": DeckImport.Status.FAILED, "error": f"{reason}; nothing was imported"},
        on_retry=_deck_import_enqueue,
        on_fail=lambda deck_import: deck_import.upload.delete(save=False),
    )
