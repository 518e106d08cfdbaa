"""Writes for decks and cards. Deleting only hides a deck or card, so its study logs stay valid."""

import logging
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from apps.cards.content import content_hash
from apps.cards.deck_files.limits import ImportLimits
from apps.cards.deck_files.reading import read_deck_file
from apps.cards.deck_files.records import CardRow, DeckFile, DeckFileError, MediaFile
from apps.cards.deck_names import (
    CONTROL_CHARACTERS,
    DECK_NAME_MAX_CHARS,
    SEPARATOR,
    DeckNameError,
    deck_name,
    is_within,
    parent_names,
    same_deck_name,
)
from apps.cards.anki_history import (
    anki_marks_apply,
    anki_schedules_apply,
    imported_history_of,
    imported_history_prepare,
    imported_history_save,
)
from apps.cards.import_services import anki_import_preview, anki_notes_create, with_parents
from apps.cards.models import Card, Deck, DeckImport, DeckMedia
from apps.cards.note_services import (
    BasicCardText,
    NoteInvalid,
    basic_notes_bulk_create,
    cards_render_again,
    deck_cards_and_notes_hide,
    note_create,
    note_delete,
    note_type_builtin,
    note_update,
)
from apps.cards.selectors import deck_subtree
from apps.cards.signals import cards_imported
from apps.leases import Lease, stale_leases_recover, this_process
from apps.outbox.enqueue import enqueue_on_commit
from knowledge_tracing.anki.note_types import BASIC

logger = logging.getLogger(__name__)


RUN_DECK_IMPORT_TASK = "apps.cards.tasks.run_deck_import"


def deck_create(*, owner, title: str, description: str = "", visibility: str = Deck.Visibility.PRIVATE) -> Deck:
    """A deck named ``title``; ``A::B::C`` goes under ``A::B``, made (private, empty) with ``A`` when missing.

    DeckNameError when the name is not usable or the owner already has a deck of that name.
    """
    name = deck_name(title)
    with transaction.atomic():
        if _live_deck_named(owner.pk, name) is not None:
            raise DeckNameError(f"you already have a deck named “{name}”")
        parent = _deck_path_ensure(owner, parent_names(name)[-1]) if SEPARATOR in name else None
        return _saved_deck(Deck(owner=owner, title=name, parent=parent, description=description, visibility=visibility))


def deck_path_ensure(*, owner, title: str) -> Deck:
    """The owner's deck named ``title``, created with its missing parents (private, empty) when there is none (for imports)."""
    with transaction.atomic():
        return _deck_path_ensure(owner, deck_name(title))


def _live_deck_named(owner_id: int, name: str) -> Deck | None:
    return Deck.objects.filter(owner_id=owner_id, title__iexact=name).first()


def _deck_path_ensure(owner, name: str) -> Deck:
    parent = None
    for title in [*parent_names(name), name]:
        parent = _live_deck_named(owner.pk, title) or _saved_deck(Deck(owner=owner, title=title, parent=parent))
    return parent


def _saved_deck(deck: Deck) -> Deck:
    """Insert the deck; a deck of the same name created meanwhile (the unique constraint) is a DeckNameError."""
    try:
        with transaction.atomic():
            deck.save()
    except IntegrityError as error:
        raise DeckNameError(f"you already have a deck named “{deck.title}”") from error
    return deck


def deck_update(*, deck: Deck, title: str, description: str, visibility: str) -> Deck:
    """Change the deck; a new name moves it, with every deck below it, under the parent the name gives (made when missing).

    DeckNameError when the name is not usable, is taken, or would put the deck inside itself.
    """
    name = deck_name(title)
    with transaction.atomic():
        deck = Deck.objects.select_for_update().get(pk=deck.pk)
        moved = _deck_move(deck, name) if name != deck.title else []
        deck.description, deck.visibility = description, visibility
        deck.save(update_fields=["title", "parent", "description", "visibility", "updated_at"])
        cards_render_again(decks=moved)
    return deck


def _deck_move(deck: Deck, name: str) -> list[Deck]:
    """Rename the deck (unsaved) and the decks below it (saved); returns them all."""
    old = deck.title
    if not same_deck_name(name, old):
        if is_within(name, old):
            raise DeckNameError(f"“{old}” cannot be moved inside itself")
        if _live_deck_named(deck.owner_id, name) is not None:
            raise DeckNameError(f"you already have a deck named “{name}”")
    descendants = list(deck_subtree(deck).exclude(pk=deck.pk))
    deck.parent = _deck_path_ensure(deck.owner, parent_names(name)[-1]) if SEPARATOR in name else None
    deck.title = name
    for below in descendants:
        below.title = name + below.title[len(old) :]
    Deck.objects.bulk_update(descendants, ["title"])  # no clash: "C::X" cannot exist while "C" does not
    return [deck, *descendants]


def deck_delete(*, deck: Deck) -> None:
    """Hide the deck, every deck below it, their cards and the notes left without a card; their logs remain."""
    now = timezone.now()
    with transaction.atomic():
        deck_ids = list(deck_subtree(deck).values_list("pk", flat=True))
        deck_cards_and_notes_hide(deck_ids=deck_ids, now=now)
        Deck.objects.filter(pk__in=deck_ids).update(deleted_at=now)


def card_create(*, deck: Deck, front: str, back: str, tags: list[str]) -> Card:
    """A card typed as front and back: the one card of a new Basic note."""
    note = note_create(owner=deck.owner, deck=deck, note_type=note_type_builtin(name=BASIC.name), field_values=[front, back], tags=tags)
    return note.cards.get()


def card_update(*, card: Card, front: str, back: str, tags: list[str]) -> Card:
    """Change a Basic note's card by its front and back; logs keep pointing at the card, and the content hash follows the text."""
    if card.note.note_type.name != BASIC.name or card.note.note_type.owner_id is not None:
        raise NoteInvalid("only a Basic note's card is edited by its front and back; edit its note")
    note_update(note=card.note, field_values=[front, back], tags=tags)
    card.refresh_from_db()
    return card


def card_delete(*, card: Card) -> None:
    """Delete the card's note, as Anki deletes notes (a note's cards go together)."""
    note_delete(note=card.note)


@transaction.atomic
def deck_import_cards(*, deck: Deck, rows: list[CardRow]) -> int:
    """Add the rows whose text the deck does not hold yet, each as a Basic note (safe to repeat); return how many were added."""
    known = set(Card.objects.filter(deck=deck).values_list("content_hash", flat=True))
    added = []
    for row in rows:
        digest = content_hash(row.front, row.back)
        if digest in known:
            continue
        known.add(digest)
        added.append(BasicCardText(deck=deck, front=row.front, back=row.back, tags=row.tags))
    basic_notes_bulk_create(cards=added)
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
    its cards their scheduling state (``apps.cards.import_services``); a CSV file's rows
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
                deck = deck_create(owner=owner, title=_unused_deck_name(owner, title or deck_file.title))
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


def _unused_deck_name(owner, title: str) -> str:
    """``title`` as a deck name (made usable), or ``title (2)``, ``(3)``... when the owner has a deck of that name."""
    name = SEPARATOR.join(part.strip() for part in title.split(SEPARATOR) if part.strip())[:DECK_NAME_MAX_CHARS - 10] or "Imported deck"
    name = CONTROL_CHARACTERS.sub(" ", name)
    candidate, number = name, 1
    while _live_deck_named(owner.pk, candidate) is not None:
        number += 1
        candidate = f"{name} ({number})"
    return candidate


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
