"""Write notes as CSV, one note per row: its fields, then tags (comma-separated), deck and note type.

The deck column names the deck below the exported one (empty for that deck itself,
``Spanish::Verbs`` for a deck inside it); the CSV import puts the note there again.
The field columns are named after the note type's fields when every note has the same
type (``Front, Back, tags, deck, note_type`` for Basic notes, which the CSV import reads
back as front, back and tags), else ``field 1``, ``field 2``... with the note type in
its own column. Media are written as file names, as Anki's own text export has them.
"""

import csv
from pathlib import Path

from apps.cards.content import format_tags
from apps.cards.deck_files.records import NoteRow


def write_notes_csv(target: Path, *, notes: list[NoteRow]) -> None:
    types = {note.note_type for note in notes}
    width = max((len(note.fields) for note in notes), default=0)
    if len(types) == 1:
        names = [name for name, _ in notes[0].fields]
    else:
        names = [f"field {position}" for position in range(1, width + 1)]
    with open(target, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*names, "tags", "deck", "note_type"])
        for note in notes:
            values = [value for _, value in note.fields]
            writer.writerow([*values, *[""] * (len(names) - len(values)), format_tags(note.tags), note.deck, note.note_type])
