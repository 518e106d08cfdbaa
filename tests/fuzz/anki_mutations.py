"""Hypothesis strategies that damage Anki files: the real packages in ``shared/data/anki`` and small ones built here.

A mutated file is drawn at one of four depths, so that the fuzzer reaches every layer
of the reader instead of stopping at the first check:

- ``bytes``: the file's bytes flipped, zeroed, cut short or padded (zip headers,
  compressed data, the central directory);
- ``entries``: the zip rebuilt with entries renamed, dropped, duplicated, emptied, or
  their bytes flipped (``meta``'s protobuf, the ``media`` map, a media file);
- ``pages``: the collection's SQLite file (unpacked from zstd when it is ``.anki21b``)
  with bytes flipped in its header or pages, or cut short, then packed again;
- ``content``: the collection changed through SQLite: a value set to a hostile one
  (huge integers, text where numbers belong, blobs, invalid UTF-8, wrong field
  counts), a value inside the ``col`` JSON replaced, a protobuf blob's bytes flipped,
  rows deleted, a table dropped.

The real packages are read from ``shared/data/anki`` where they lie; nothing is copied
into the project.
"""

import functools
import io
import json
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import zstandard
from hypothesis import strategies as st

from knowledge_tracing.anki.archive import ZSTD_MAGIC
from knowledge_tracing.anki.reader import _unicase
from knowledge_tracing.anki.records import Card, Collection, Deck, Note, NoteType, Review, Template
from knowledge_tracing.anki.writer import write_collection, write_package
from tests.anki_truth import REAL_ANKI_DATA, REAL_FILES

COLLECTION_ENTRIES = ("collection.anki21b", "collection.anki21", "collection.anki2")
INT64 = (-(2**63), 2**63 - 1)
HOSTILE_VALUES = [
    None, 0, -1, 1, 3, 99, INT64[0], INT64[1], 2**53, 1e308, -1e308, 0.5, "", " ", "x", "1", "-5", "1e999",
    "\x1f", "a\x1fb\x1fc\x1fd\x1fe", "\x1f" * 200, "é" * 40, "🙂", "\x00", "{", "[]", "{}", "null",
    '{"1": 5}', '{"1": {"id": "x", "flds": 7, "tmpls": null}}', '{"s": -1, "d": "x", "lrt": 1e300}',
    b"", b"\x00", b"\xff\xfe\xfd", b"\x08\x96\x01", b"\x0a\xff\xff\xff\xff\x0f",
]
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)  # SQLite stores UTF-8, which has no lone surrogates
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(*INT64) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10,
)


@dataclass(frozen=True)
class AnkiSample:
    """One file to hand the reader: its bytes, the suffix it is uploaded with, and how it was made (shown on failure)."""

    data: bytes
    suffix: str
    made: str

    def __repr__(self) -> str:
        return f"AnkiSample({self.made!r}, {len(self.data):,} bytes as {self.suffix})"


CREATED = datetime(2024, 1, 1, tzinfo=timezone.utc)


def built_collection() -> Collection:
    """A small collection with a basic and a cloze type, nested decks, scheduled cards and reviews."""
    basic = NoteType(id=10, name="Plain", kind="standard", fields=("Front", "Back"), templates=(
        Template("Card 1", "{{Front}}", "{{FrontSide}}<hr>{{Back}}"), Template("Card 2", "{{Back}}", "{{Front}}"),
    ))
    cloze = NoteType(id=20, name="Gaps", kind="cloze", fields=("Text", "Extra"), templates=(
        Template("Cloze", "{{cloze:Text}}", "{{cloze:Text}}<br>{{Extra}}"),
    ))
    notes = [
        Note(id=1, guid="g1", note_type_id=10, fields=("hablar", "to speak [sound:a.mp3]"), tags=("es",), modified_at=CREATED),
        Note(id=2, guid="g2", note_type_id=20, fields=("{{c1::Madrid}} in {{c2::Spain}}", ""), tags=(), modified_at=CREATED),
    ]
    cards = [
        Card(id=11, note_id=1, ord=0, deck_id=3, state="review", due_at=datetime(2024, 2, 1, tzinfo=timezone.utc), interval_days=9, reps=3),
        Card(id=12, note_id=1, ord=1, deck_id=3, state="new", new_position=1),
        Card(id=21, note_id=2, ord=0, deck_id=2, state="new", new_position=2),
        Card(id=22, note_id=2, ord=1, deck_id=2, state="new", new_position=3),
    ]
    reviews = [
        Review(id=1_704_100_000_000 + step, card_id=11, reviewed_at=datetime.fromtimestamp(1_704_100_000 + step, timezone.utc),
               rating=3, interval=step + 1, last_interval=step, ease=2500, duration_ms=4000, kind=1)
        for step in range(3)
    ]
    return Collection(
        created_at=CREATED, note_types={10: basic, 20: cloze}, notes=notes, cards=cards, reviews=reviews,
        decks={2: Deck(id=2, name="Built"), 3: Deck(id=3, name="Built::Verbs", parent_id=2)},
    )


@functools.cache
def base_files() -> tuple[tuple[str, bytes], ...]:
    """(name, bytes) of every file mutations start from: the real ones, then a built package and collection."""
    files = [(name, (REAL_ANKI_DATA / name).read_bytes()) for name in REAL_FILES]
    with tempfile.TemporaryDirectory() as folder:
        package, collection = Path(folder) / "built.apkg", Path(folder) / "built.anki2"
        write_package(package, built_collection(), media=[("a.mp3", b"ID3 not much of a song")])
        write_collection(collection, built_collection())
        files += [(package.name, package.read_bytes()), (collection.name, collection.read_bytes())]
    return tuple(files)


@functools.cache
def unpacked(data: bytes) -> tuple[list[tuple[str, bytes]], str | None, bool]:
    """A package's entries, the name of its collection entry (None for a bare collection), and whether it is zstd-compressed."""
    if not data.startswith(b"PK"):
        return [], None, data.startswith(ZSTD_MAGIC)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = [(info.filename, archive.read(info)) for info in archive.infolist()]
    names = [name for name, _ in entries]
    entry = next(name for name in COLLECTION_ENTRIES if name in names)
    return entries, entry, dict(entries)[entry].startswith(ZSTD_MAGIC)


def packed(entries: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return out.getvalue()


def _offsets(length: int):
    """Where to damage ``length`` bytes: anywhere, near the start (headers), or near the end (the zip's central directory)."""
    last = max(length - 1, 0)
    return st.one_of(st.integers(0, last), st.integers(0, min(last, 4095)), st.integers(max(0, last - 1023), last))


@st.composite
def damaged_bytes(draw, data: bytes) -> bytes:
    """``data`` with a few byte flips, zeroed runs, a cut, or inserted bytes."""
    result = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        if not result:
            break
        kind = draw(st.sampled_from(["flip", "flip", "zero", "cut", "insert"]))
        at = draw(_offsets(len(result)))
        if kind == "flip":
            result[at] ^= draw(st.integers(1, 255))
        elif kind == "zero":
            end = min(len(result), at + draw(st.integers(1, 64)))
            result[at:end] = bytes(end - at)
        elif kind == "cut":
            del result[at:]
        else:
            result[at:at] = draw(st.binary(min_size=1, max_size=16))
    return bytes(result)


def collection_bytes(data: bytes) -> tuple[bytes, callable]:
    """The SQLite bytes of a file's collection and a function that puts changed SQLite bytes back in the same form."""
    entries, entry, compressed = unpacked(data)

    def compress(sqlite_bytes: bytes) -> bytes:
        return zstandard.ZstdCompressor().compress(sqlite_bytes) if compressed else sqlite_bytes

    if entry is None:
        return (zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)).read() if compressed else data), compress
    sqlite_bytes = dict(entries)[entry]
    if compressed:
        sqlite_bytes = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(sqlite_bytes)).read()
    return sqlite_bytes, lambda changed: packed([(name, compress(changed) if name == entry else value) for name, value in entries])


@st.composite
def damaged_entries(draw, data: bytes) -> tuple[bytes, str]:
    entries, _, _ = unpacked(data)
    names = [name for name, _ in entries]
    kind = draw(st.sampled_from(["rename", "drop", "duplicate", "empty", "flip", "flip"]))
    target = draw(st.sampled_from(names))
    changed = []
    for name, value in entries:
        if name != target:
            changed.append((name, value))
        elif kind == "rename":
            changed.append((draw(st.sampled_from([*names, "../media", "/meta", "collection.anki21", "media/0", ""])) or "x", value))
        elif kind == "duplicate":
            changed += [(name, value), (name, draw(damaged_bytes(value)) if value else b"")]
        elif kind == "empty":
            changed.append((name, b""))
        elif kind == "flip":
            changed.append((name, draw(damaged_bytes(value)) if value else b"\xff"))
    return packed(changed), f"{kind} {target!r}"


def _page_damage(draw, sqlite_bytes: bytes) -> bytes:
    """Bytes flipped in the SQLite header or in a page (its header, cell pointers, or anywhere), or the file cut at a page."""
    page_size = int.from_bytes(sqlite_bytes[16:18], "big") or 65536
    pages = max(1, len(sqlite_bytes) // page_size)
    result = bytearray(sqlite_bytes)
    if draw(st.integers(0, 4)) == 0:
        return bytes(result[: page_size * draw(st.integers(0, pages - 1)) + draw(st.integers(0, 200))])
    for _ in range(draw(st.integers(1, 8))):
        page = draw(st.integers(0, pages - 1))
        within = draw(st.one_of(st.integers(0, 99), st.integers(0, 16), st.integers(0, page_size - 1)))
        at = min(page * page_size + within, len(result) - 1)
        result[at] ^= draw(st.integers(1, 255))
    return bytes(result)


def _json_path_replace(draw, value):
    """``value`` (parsed JSON) with one value somewhere inside it replaced by a hostile one."""
    if isinstance(value, dict) and value and draw(st.integers(0, 3)):
        key = draw(st.sampled_from(sorted(value, key=str)))
        return {**value, key: _json_path_replace(draw, value[key])}
    if isinstance(value, list) and value and draw(st.integers(0, 3)):
        index = draw(st.integers(0, len(value) - 1))
        return [*value[:index], _json_path_replace(draw, value[index]), *value[index + 1 :]]
    return draw(st.one_of(JSON_VALUES, st.sampled_from([v for v in HOSTILE_VALUES if not isinstance(v, bytes)])))


def _content_damage(draw, sqlite_bytes: bytes) -> tuple[bytes, str]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "collection.sqlite3"
        path.write_bytes(sqlite_bytes)
        database = sqlite3.connect(path)
        database.create_collation("unicase", _unicase)  # schema-18 indexes name Anki's collation
        try:
            made = [_content_change_or_why_not(draw, database) for _ in range(draw(st.integers(1, 4)))]
            database.commit()
        finally:
            database.close()
        return path.read_bytes(), "; ".join(made)


def _content_change_or_why_not(draw, database: sqlite3.Connection) -> str:
    """One change, or why it could not be made (an earlier change left a key that is not UTF-8, a constraint refused it)."""
    try:
        return _one_content_change(draw, database)
    except (sqlite3.Error, UnicodeError) as error:
        return f"a change failed ({error})"


def _one_content_change(draw, database: sqlite3.Connection) -> str:
    tables = sorted(name for (name,) in database.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))
    if not tables:
        return "no tables left"
    table = draw(st.sampled_from(["col", "notes", "cards", "revlog", *tables]) if "col" in tables else st.sampled_from(tables))
    table = table if table in tables else tables[0]
    info = list(database.execute(f"PRAGMA table_info({table})"))
    columns = [row[1] for row in info]
    key = [row[1] for row in sorted(info, key=lambda row: row[5]) if row[5]] or ["rowid"]  # WITHOUT ROWID tables have only their key
    rows = database.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    kind = draw(st.sampled_from(["set", "set", "set", "json", "fields", "blob", "delete", "drop", "bad utf-8", "huge"]))
    if kind == "drop":
        database.execute(f"DROP TABLE {table}")
        return f"dropped {table}"
    if not rows:
        return f"{table} is empty"
    row_key = database.execute(f"SELECT {', '.join(key)} FROM {table} LIMIT 1 OFFSET ?", (draw(st.integers(0, rows - 1)),)).fetchone()
    where = " AND ".join(f"{column} IS ?" for column in key)
    if kind == "delete":
        database.execute(f"DELETE FROM {table} WHERE {where}", row_key)
        return f"deleted {table} row {row_key}"
    column = draw(st.sampled_from(columns))
    if kind == "json" and table == "col":
        column = draw(st.sampled_from(["models", "decks", "dconf", "conf"]))
        text = database.execute(f"SELECT {column} FROM col WHERE {where}", row_key).fetchone()[0]
        try:
            value = json.dumps(_json_path_replace(draw, json.loads(text)))
        except (TypeError, ValueError):
            value = text[: draw(st.integers(0, len(text)))] if isinstance(text, str) else "{"
        if draw(st.integers(0, 4)) == 0:
            value = value[: draw(st.integers(0, len(value)))]
    elif kind == "fields" and table == "notes":
        column = "flds"
        value = "\x1f".join(draw(st.lists(TEXT, min_size=0, max_size=12)))
    elif kind == "blob":
        current = database.execute(f"SELECT {column} FROM {table} WHERE {where}", row_key).fetchone()[0]
        value = draw(damaged_bytes(current)) if isinstance(current, bytes) and current else draw(st.binary(max_size=40))
    elif kind == "bad utf-8":
        value = b"ok\xc3\x28\xff"
    elif kind == "huge":
        value = draw(st.sampled_from(["x" * 1_100_000, "\x1f" * 200_000, "{{c1::" * 50_000, "[" * 300_000]))
    else:
        value = draw(st.one_of(st.sampled_from(HOSTILE_VALUES), st.integers(*INT64), TEXT, st.floats()))
    cast = "CAST(? AS TEXT)" if kind == "bad utf-8" else "?"  # text that is not UTF-8, as a damaged file may hold
    database.execute(f"UPDATE {table} SET {column} = {cast} WHERE {where}", (value, *row_key))
    return f"{table}.{column} of row {row_key} = {value!r:.60}"


@st.composite
def damaged_anki_files(draw, names: tuple[str, ...] = ()) -> AnkiSample:
    """One of the named real or built Anki files (all when none are named), damaged at one of the four depths the module docstring names."""
    name = draw(st.sampled_from(names or [name for name, _ in base_files()]))
    data = dict(base_files())[name]
    suffix = Path(name).suffix
    is_package = data.startswith(b"PK")
    depth = draw(st.sampled_from(["bytes", "entries", "pages", "content", "content"] if is_package else ["bytes", "pages", "content", "content"]))
    if depth == "bytes":
        return AnkiSample(draw(damaged_bytes(data)), suffix, f"{name}: bytes damaged")
    if depth == "entries":
        changed, made = draw(damaged_entries(data))
        return AnkiSample(changed, suffix, f"{name}: {made}")
    sqlite_bytes, put_back = collection_bytes(data)
    if depth == "pages":
        return AnkiSample(put_back(_page_damage(draw, sqlite_bytes)), suffix, f"{name}: SQLite pages damaged")
    changed, made = _content_damage(draw, sqlite_bytes)
    return AnkiSample(put_back(changed), suffix, f"{name}: {made}")
