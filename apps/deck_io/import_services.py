"""Writes of an Anki import: its note types (matched to the learner's or created), notes and cards (their history: ``anki_history``).

Called by ``apps.deck_io.services.deck_import_file`` inside its one transaction. A note
type the learner already has (built-in or their own, with the same name, kind, fields
and templates) is used as it is; otherwise the package's type becomes the learner's
own, renamed ``Name+`` when they already own a different type of that name (as Anki
does). A note whose ``guid`` the learner already has is left as it is, so importing a
package twice adds nothing the second time.
"""

import dataclasses
from collections.abc import Iterable

from django.db.models import Q

from apps.cards.content import content_hash
from apps.cards.deck_files.records import CardRow, DeckFile
from apps.cards.deck_names import SEPARATOR
from apps.cards.media_links import served_media
from apps.cards.models import Card, Deck, Note, NoteType
from apps.cards.note_services import NoteInvalid, note_type_builtin, note_type_create
from apps.cards.rendering import sanitise_html
from knowledge_tracing.anki.note_types import BUILTIN_NOTE_TYPES, NoteTypeSpec

BATCH_SIZE = 2000
NOTE_TYPE_NAME_MAX_CHARS = 200


def anki_notes_create(*, owner, deck_file: DeckFile, decks: dict[str, Deck], media_urls: dict[str, str], skipped: list[str]) -> dict[int, Card]:
    """Create the file's notes and cards for ``owner``; returns Anki card id -> the saved card."""
    note_types = _note_types_resolve(owner=owner, specs=deck_file.note_types, skipped=skipped)
    known = _known_guids(owner, [note.guid for note in deck_file.notes])
    notes = [note for note in deck_file.notes if note.note_type_key in note_types and note.guid not in known]
    if len(notes) < len(deck_file.notes):
        already = sum(1 for note in deck_file.notes if note.guid in known)
        if already:
            skipped.append(f"{already} notes are in your collection already (the same Anki note); left as they are")
    saved_notes = {}
    for batch in _batches(notes):
        created = Note.objects.bulk_create(
            Note(owner=owner, note_type=note_types[row.note_type_key], field_values=row.field_values, tags=row.tags, guid=row.guid)
            for row in batch
        )
        saved_notes.update((row.anki_note_id, note) for row, note in zip(batch, created))
    rows = [row for row in deck_file.cards if row.anki_note_id in saved_notes]
    cards_by_key = {}
    for batch in _batches(rows):
        created = Card.objects.bulk_create(_card(row, saved_notes[row.anki_note_id], decks[row.subdeck], media_urls) for row in batch)
        cards_by_key.update((row.anki_card_id, card) for row, card in zip(batch, created))
    return cards_by_key


def anki_import_preview(*, owner, deck_file: DeckFile) -> dict:
    """The note types and decks an import would use, each marked new or already the learner's (for the preview page)."""
    if not deck_file.notes:
        return {}
    return {
        "note_types": [
            {"name": spec.name, "kind": spec.kind, "fields": list(spec.fields), "new": _matching_note_type(owner, spec) is None}
            for spec in deck_file.note_types.values()
        ],
        "decks": [
            {"name": name, "new": not Deck.objects.filter(owner=owner, title__iexact=name).exists()}
            for name in with_parents(deck_file.decks)
        ],
    }


def with_parents(names: list[str]) -> list[str]:
    """The deck names with every parent their names imply."""
    parts = {SEPARATOR.join(name.split(SEPARATOR)[: depth + 1]) for name in names for depth in range(name.count(SEPARATOR) + 1)}
    return sorted(parts)


def _batches(items: list) -> Iterable[list]:
    for start in range(0, len(items), BATCH_SIZE):
        yield items[start : start + BATCH_SIZE]


def _card(row: CardRow, note: Note, deck: Deck, media_urls: dict[str, str]) -> Card:
    """The card as rendered from its note, its media pointed at the deck's files, sanitised as it will be shown."""
    front, back = (sanitise_html(served_media(side, media_urls)).strip() for side in (row.front, row.back))
    return Card(note=note, deck=deck, ord=row.ord, front=front, back=back, tags=row.tags, content_hash=content_hash(front, back))


def _known_guids(owner, guids: list[str]) -> set[str]:
    known = set()
    for start in range(0, len(guids), BATCH_SIZE):
        known.update(Note.objects.filter(owner=owner, guid__in=guids[start : start + BATCH_SIZE]).values_list("guid", flat=True))
    return known


def _note_types_resolve(*, owner, specs: dict[int, NoteTypeSpec], skipped: list[str]) -> dict[int, NoteType]:
    """Anki note type id -> the learner's (or a built-in) note type with the same name, kind, fields and templates, or a new one."""
    resolved = {}
    for key, spec in specs.items():
        existing = _matching_note_type(owner, spec)
        if existing is not None:
            resolved[key] = existing
            continue
        try:
            resolved[key] = note_type_create(owner=owner, spec=dataclasses.replace(spec, name=_free_note_type_name(owner, spec.name)))
        except NoteInvalid as error:
            skipped.append(f"note type {spec.name[:80]!r}: {error}; its notes are skipped")
    return resolved


def _matching_note_type(owner, spec: NoteTypeSpec) -> NoteType | None:
    """The built-in type (made on first use) or the learner's own with the spec's name, kind, fields and templates."""
    builtin = BUILTIN_NOTE_TYPES.get(spec.name)
    if builtin is not None and (builtin.kind, builtin.fields, builtin.templates) == (spec.kind, spec.fields, spec.templates):
        return note_type_builtin(name=spec.name)
    candidates = (
        NoteType.objects.filter(Q(owner=None) | Q(owner=owner), name__startswith=spec.name, kind=spec.kind)
        .prefetch_related("note_fields", "templates")
        .order_by("owner_id", "id")
    )
    for candidate in candidates:
        if candidate.name.rstrip("+") != spec.name.rstrip("+"):
            continue  # the same name, or the name an earlier import gave it (Name+, Name++)
        theirs = candidate.spec()
        if theirs.fields == spec.fields and theirs.templates == spec.templates:
            return candidate
    return None


def _free_note_type_name(owner, name: str) -> str:
    taken = set(NoteType.objects.filter(owner=owner, name__startswith=name).values_list("name", flat=True))
    while name in taken:
        name = (name if len(name) < NOTE_TYPE_NAME_MAX_CHARS else name[:-1]) + "+"
    return name
