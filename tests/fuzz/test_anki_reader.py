"""The Anki reader answers any damaged package or collection with its records or an AnkiFileError naming the problem.

Time and memory are bounded by ``ReadLimits`` (unpacked bytes, rows, SQLite steps), not
asserted: each example's time and Python heap peak are reported to hypothesis as
``target``s, so the search leans towards the slowest and hungriest inputs and the long
run prints the largest it met (``--hypothesis-show-statistics``; docs/security.md).
"""

import tempfile
import time
import tracemalloc
from pathlib import Path

from hypothesis import given, note, target

from knowledge_tracing.anki.limits import AnkiFileError, ReadLimits
from knowledge_tracing.anki.reader import open_anki_file
from tests.fuzz.anki_mutations import damaged_anki_files

MB = 1024 * 1024
LIMITS = ReadLimits(max_unpacked_bytes=64 * MB, max_media_file_bytes=8 * MB, max_field_chars=1_000_000, max_sqlite_steps=200_000_000)


def read_measured(data: bytes, suffix: str):
    """Open, read and close the file (every media file too); returns the collection and the media's total size."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"deck{suffix}"
        path.write_bytes(data)
        with open_anki_file(path, limits=LIMITS) as anki_file:
            media_bytes = sum(len(anki_file.read_media(name)) for name in anki_file.media)
            return anki_file.collection, media_bytes


@given(damaged_anki_files())
def test_any_damaged_anki_file_gives_its_records_or_a_reason(sample):
    note(sample.made)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        collection, media_bytes = read_measured(sample.data, sample.suffix)
    except AnkiFileError as error:
        assert str(error)
        return
    finally:
        target((time.perf_counter() - started) * 1000, label="read ms")
        target(tracemalloc.get_traced_memory()[1] / MB, label="Python heap peak MB")
        tracemalloc.stop()
    note_types = collection.note_types
    assert all(note.note_type_id in note_types and len(note.fields) == len(note_types[note.note_type_id].fields) for note in collection.notes)
    note_ids = {note.id for note in collection.notes}
    assert all(card.note_id in note_ids and 0 <= card.flag <= 7 and card.reps >= 0 and card.lapses >= 0 for card in collection.cards)
    assert all(note_type.fields for note_type in note_types.values())
    assert media_bytes <= LIMITS.max_unpacked_bytes
