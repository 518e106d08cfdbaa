"""Hostile Anki packages: zip tricks, paths and links as media names, oversized note types, views instead of tables.

Each is refused with a message naming the problem, or read with the bad part left out
and reported; none makes the reader hold more than its limits allow.
"""

import dataclasses
import json
import sqlite3
import struct
import time
import zipfile
from datetime import datetime, timezone

import pytest

from knowledge_tracing.anki.limits import AnkiFileError, ReadLimits
from knowledge_tracing.anki.reader import open_anki_file, read_collection
from knowledge_tracing.anki.records import Collection, Deck, Note, NoteType, Template
from knowledge_tracing.anki.writer import write_collection, write_package

CREATED = datetime(2024, 1, 1, tzinfo=timezone.utc)


def small_collection(**changes) -> Collection:
    note_type = NoteType(id=10, name="Basic", kind="standard", fields=("Front", "Back"), templates=(Template("Card 1", "{{Front}}", "{{Back}}"),))
    collection = Collection(
        created_at=CREATED, note_types={10: note_type}, decks={2: Deck(id=2, name="Spanish")},
        notes=[Note(id=100, guid="g100", note_type_id=10, fields=("uno", "one"), tags=(), modified_at=CREATED)],
    )
    return dataclasses.replace(collection, **changes)


def package_with(tmp_path, entries: list[tuple[zipfile.ZipInfo | str, bytes]], name="hostile.apkg"):
    collection = tmp_path / "collection.anki2"
    if not collection.exists():
        write_collection(collection, small_collection())
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(collection, "collection.anki2")
        for entry, data in entries:
            archive.writestr(entry, data)
    return path


def test_a_million_declared_entries_are_refused_before_the_zip_is_parsed(tmp_path):
    """The end record claims a million entries; the reader refuses on that count alone, at once."""
    path = package_with(tmp_path, [("media", b"{}")])
    data = bytearray(path.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    data[end + 8 : end + 12] = struct.pack("<HH", 0xFFFF, 0xFFFF)
    zip64_end = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, 1_000_000, 1_000_000, 0, 0)
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, end, 1)
    forged = tmp_path / "million.apkg"
    forged.write_bytes(bytes(data[:end]) + zip64_end + locator + bytes(data[end:]))
    started = time.perf_counter()
    with pytest.raises(AnkiFileError, match="1,000,000 zip entries, more than the 100,000 allowed"):
        open_anki_file(forged)
    assert time.perf_counter() - started < 1


def test_more_real_entries_than_allowed_are_refused(tmp_path):
    path = package_with(tmp_path, [(str(index), b"") for index in range(30)])
    with pytest.raises(AnkiFileError, match="31 zip entries, more than the 20 allowed"):
        open_anki_file(path, limits=ReadLimits(max_archive_entries=20))


def test_two_entries_of_one_name_are_refused(tmp_path):
    with pytest.warns(UserWarning, match="Duplicate name"):
        path = package_with(tmp_path, [("0", b"first"), ("0", b"second"), ("media", b'{"0": "a.png"}')])
    with pytest.raises(AnkiFileError, match="two zip entries named '0'"):
        open_anki_file(path)


@pytest.mark.parametrize(
    "name", ["../../etc/cron.d/evil", "/etc/passwd", "C:\\evil.png", "sub/dir.png", "..", "", "tab\there.png", "x" * 300 + ".png"]
)
def test_a_media_name_that_is_a_path_or_not_a_file_name_is_skipped_and_reported(tmp_path, name):
    path = package_with(tmp_path, [("0", b"data"), ("1", b"fine"), ("media", json.dumps({"0": name, "1": "fine.png"}).encode())])
    with open_anki_file(path) as anki_file:
        assert list(anki_file.media) == ["fine.png"]
        assert len(anki_file.problems) == 1 and "skipped" in anki_file.problems[0]
        assert anki_file.read_media("fine.png") == b"fine"


def test_a_symbolic_link_entry_is_not_read_as_media(tmp_path):
    link = zipfile.ZipInfo("0")
    link.external_attr = (0o120777 << 16)
    path = package_with(tmp_path, [(link, b"/etc/passwd"), ("media", b'{"0": "passwd.png"}')])
    with open_anki_file(path) as anki_file:
        assert anki_file.media == {}
        assert anki_file.problems == ["media 'passwd.png': a symbolic link, not a file; skipped"]


def test_a_name_listed_twice_keeps_the_first_file(tmp_path):
    path = package_with(tmp_path, [("0", b"first"), ("1", b"second"), ("media", b'{"0": "a.png", "1": "a.png"}')])
    with open_anki_file(path) as anki_file:
        assert anki_file.read_media("a.png") == b"first"
        assert anki_file.problems == ["media 'a.png': listed twice; the first is kept; skipped"]


def test_a_media_file_over_the_per_file_limit_is_refused_when_read(tmp_path):
    path = package_with(tmp_path, [("0", b"\0" * 5000), ("media", b'{"0": "big.mp3"}')])
    with open_anki_file(path, limits=ReadLimits(max_media_file_bytes=1024)) as anki_file:
        with pytest.raises(AnkiFileError, match="0: larger than the 1 KB allowed for one file"):
            anki_file.read_media("big.mp3")


def test_a_note_type_with_200_fields_is_refused(tmp_path):
    wide = NoteType(id=10, name="Wide", kind="standard", fields=tuple(f"F{index}" for index in range(200)), templates=(Template("Card 1", "{{F0}}", "{{F1}}"),))
    write_package(tmp_path / "wide.apkg", small_collection(note_types={10: wide}, notes=[]))
    with pytest.raises(AnkiFileError, match="note type 'Wide' has 200 fields, more than the 100 allowed"):
        read_collection(tmp_path / "wide.apkg")


def test_a_template_longer_than_allowed_is_refused(tmp_path):
    long = NoteType(id=10, name="Long", kind="standard", fields=("Front", "Back"), templates=(Template("Card 1", "{{Front}}" * 20_000, "{{Back}}"),))
    write_package(tmp_path / "long.apkg", small_collection(note_types={10: long}, notes=[]))
    with pytest.raises(AnkiFileError, match="template 'Card 1': longer than the 100,000 characters allowed"):
        read_collection(tmp_path / "long.apkg")


def test_a_view_in_place_of_a_table_is_refused(tmp_path):
    """A view could run any query (a recursive one that never ends); the reader reads only real tables."""
    path = tmp_path / "collection.anki2"
    write_collection(path, small_collection())
    with sqlite3.connect(path) as database:
        database.execute("DROP TABLE cards")
        database.execute(
            "CREATE VIEW cards AS WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT x AS id FROM n"
        )
    database.close()
    with pytest.raises(AnkiFileError, match="not an Anki collection \\(no cards table\\)"):
        read_collection(path)


def test_a_collection_that_takes_too_many_steps_to_read_is_stopped(tmp_path):
    path = tmp_path / "collection.anki2"
    notes = [Note(id=index, guid=f"g{index}", note_type_id=10, fields=("a", "b"), tags=(), modified_at=CREATED) for index in range(10_000)]
    write_collection(path, small_collection(notes=notes))
    assert len(read_collection(path).notes) == 10_000
    with pytest.raises(AnkiFileError, match="takes more work than a collection of the allowed size"):
        read_collection(path, limits=ReadLimits(max_sqlite_steps=20_000))


def test_a_deck_name_of_5000_characters_is_read_whole_for_the_app_to_repair(tmp_path):
    long_name = "Languages::" + "x" * 5000
    write_package(tmp_path / "long-deck.apkg", small_collection(decks={2: Deck(id=2, name=long_name)}))
    names = {deck.name for deck in read_collection(tmp_path / "long-deck.apkg").decks.values()}
    assert long_name in names and "Languages" in names


def test_an_entry_whose_header_lies_before_the_start_of_the_file_is_refused(tmp_path):
    """The end record places the central directory 64 bytes later than it is: the first entry's header would start
    before the file does, where seeking fails (found by the import fuzz test)."""
    data = bytearray(package_with(tmp_path, [("media", b"{}")]).read_bytes())
    end = data.rfind(b"PK\x05\x06")
    (directory_offset,) = struct.unpack("<I", data[end + 16 : end + 20])
    data[end + 16 : end + 20] = struct.pack("<I", directory_offset + 64)
    forged = tmp_path / "shifted.apkg"
    forged.write_bytes(bytes(data))
    with pytest.raises(AnkiFileError, match="damaged or truncated"):
        open_anki_file(forged)
