"""The Anki reader answers any damaged package or collection with its records or an AnkiFileError naming the problem.

Time and memory are bounded by ``ReadLimits`` (unpacked bytes, rows, SQLite steps), not
asserted: each example's time and Python heap peak are reported to hypothesis as
``target``s, so the search leans towards the slowest and hungriest inputs and the long
run prints the largest it met (``--hypothesis-show-statistics``; docs/security.md).
"""

import sqlite3
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, note, target

from knowledge_tracing.anki.limits import AnkiFileError, ReadLimits
from knowledge_tracing.anki.reader import open_anki_file, read_collection
from knowledge_tracing.anki.writer import write_collection
from tests.anki_truth import REAL_ANKI_DATA
from tests.fuzz.anki_mutations import built_collection, damaged_anki_files

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


def _collection_with(tmp_path, statement: str, parameters=()) -> Path:
    path = tmp_path / "collection.anki2"
    write_collection(path, built_collection())
    with sqlite3.connect(path) as database:
        database.execute(statement, parameters)
    database.close()
    return path


@pytest.mark.parametrize(("statement", "parameters", "message"), [
    ("UPDATE cards SET due = 'soon' WHERE id = 11", (), "a row of cards holds text in due, where Anki keeps a number"),
    ("UPDATE cards SET flags = ? WHERE id = 11", (b"",), "a row of cards holds binary data in flags, where Anki keeps a number"),
    ("UPDATE revlog SET ease = 'good'", (), "a row of revlog holds text in ease, where Anki keeps a number"),
    ("UPDATE notes SET flds = ? WHERE id = 2", (b"\x00\x01",), "a row of notes holds binary data in flds, where Anki keeps text"),
])
def test_a_value_of_the_wrong_type_is_refused_by_table_and_column(tmp_path, statement, parameters, message):
    """Found by the fuzzer: text or a blob in a number column raised TypeError (`bytes & int`, `bytes > int`)."""
    with pytest.raises(AnkiFileError) as error:
        read_collection(_collection_with(tmp_path, statement, parameters))
    assert str(error.value) == f"collection.anki2: {message}"


def test_numbers_stored_as_reals_are_read_as_integers(tmp_path):
    """Old Anki versions wrote some intervals and due days as reals; they are read, not refused."""
    collection = read_collection(_collection_with(tmp_path, "UPDATE cards SET ivl = 9.0, due = 30.5, factor = 1e300 WHERE id = 11"))
    card = next(card for card in collection.cards if card.id == 11)
    assert (card.interval_days, card.ease) == (9, (2**63 - 1) / 1000)
    assert card.due_at == built_collection().created_at + timedelta(days=30)


def test_a_small_compressed_package_is_read_in_little_memory():
    """Found by the fuzzer's memory target: each zstd entry took a buffer of the whole 1 GB budget before decompressing."""
    tracemalloc.start()
    try:
        with open_anki_file(REAL_ANKI_DATA / "kedarmhaswade_simple-spanish-w-audio.colpkg.apkg") as anki_file:
            media_bytes = sum(len(anki_file.read_media(name)) for name in anki_file.media)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert ReadLimits().max_unpacked_bytes == 1024 * MB and media_bytes > 0
    assert peak < 16 * MB


@pytest.mark.parametrize(("column", "outcome"), [
    ("conf", None), ("models", "collection.anki2: col.models: not JSON"), ("decks", "collection.anki2: col.decks: not JSON"),
])
def test_json_nested_past_the_recursion_limit_is_treated_as_json_that_does_not_parse(tmp_path, column, outcome):
    """Found by the fuzzer: "[" * 300000 in col.conf raised RecursionError from the json module."""
    path = _collection_with(tmp_path, f"UPDATE col SET {column} = ?", ("[" * 300_000,))
    if outcome is None:
        assert len(read_collection(path).cards) == len(built_collection().cards)
        return
    with pytest.raises(AnkiFileError) as error:
        read_collection(path)
    assert str(error.value).startswith(outcome)
