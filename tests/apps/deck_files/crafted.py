"""Small Anki packages made to order with the library's writer, for tests of what the import does with odd content."""

from datetime import datetime, timezone

from knowledge_tracing.anki.records import Card as AnkiCard
from knowledge_tracing.anki.records import Collection
from knowledge_tracing.anki.records import Deck as AnkiDeck
from knowledge_tracing.anki.records import Note as AnkiNote
from knowledge_tracing.anki.records import NoteType as AnkiNoteType
from knowledge_tracing.anki.records import Template
from knowledge_tracing.anki.writer import write_package

CREATED = datetime(2024, 1, 1, tzinfo=timezone.utc)
BASIC = AnkiNoteType(id=10, name="Plain", kind="standard", fields=("Front", "Back"), templates=(Template("Card 1", "{{Front}}", "{{Back}}"),))
CLOZE = AnkiNoteType(id=20, name="Gaps", kind="cloze", fields=("Text", "Extra"), templates=(Template("Cloze", "{{cloze:Text}}", "{{cloze:Text}}<br>{{Extra}}"),))


def package(tmp_path, *, note_types, notes, cards, decks=None, name="hostile.apkg"):
    collection = Collection(
        created_at=CREATED, note_types={note_type.id: note_type for note_type in note_types},
        decks=decks or {2: AnkiDeck(id=2, name="Hostile")}, notes=notes, cards=cards,
    )
    path = tmp_path / name
    write_package(path, collection)
    return path


def note(note_id, type_id, *fields):
    return AnkiNote(id=note_id, guid=f"g{note_id}", note_type_id=type_id, fields=fields, tags=(), modified_at=CREATED)


def card(card_id, note_id, ordinal=0, deck_id=2):
    return AnkiCard(id=card_id, note_id=note_id, ord=ordinal, deck_id=deck_id, state="new", new_position=card_id)
