"""Write notes as CSV: a note per row, with front, back and tags (what the CSV import reads) and every field by name.

``front`` and ``back`` are the note's first two fields; then its deck, note type and
tags (comma-separated), then one column per field name of the exported note types.
Fields are written as stored: an imported note's media as file names, as Anki wrote them.
"""

import csv
from pathlib import Path

from apps.cards.content import format_tags
from knowledge_tracing.anki.records import Collection

FIXED_COLUMNS = ["front", "back", "tags", "deck", "note type"]


def write_notes_csv(target: Path, *, collection: Collection) -> None:
    field_names = list(dict.fromkeys(name for note_type in collection.note_types.values() for name in note_type.fields))
    deck_of = {}
    for card in collection.cards:
        deck_of.setdefault(card.note_id, collection.decks[card.deck_id].name)
    with open(target, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIXED_COLUMNS + field_names)
        for note in collection.notes:
            note_type = collection.note_types[note.note_type_id]
            values = dict(zip(note_type.fields, note.fields))
            sides = [*note.fields[:2], "", ""][:2]
            writer.writerow([*sides, format_tags(list(note.tags)), deck_of.get(note.id, ""), note_type.name, *(values.get(name, "") for name in field_names)])
