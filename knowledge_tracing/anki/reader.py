"""Read an Anki package (.apkg, .colpkg) or a bare collection file into plain records.

The layouts follow Anki's own code (rslib/src/import_export/package, rslib/src/storage):

- a package is a zip holding ``meta`` (PackageMetadata; absent before Anki 2.1.50), the
  collection as ``collection.anki21b`` (zstd-compressed SQLite, schema 18, beside a stub
  ``collection.anki2`` that only asks to update Anki) or, from older versions,
  ``collection.anki21`` / ``collection.anki2`` (plain SQLite, schema 11), and ``media``,
  the manifest from zip entries ``0``, ``1``, ... to file names (MediaEntries protobuf,
  zstd-compressed, in the latest version, where each media file is compressed too; JSON
  before);
- a bare collection is the SQLite file itself (``collection.anki2``/``.anki21``), or its
  zstd-compressed form (``.anki21b``); the format is told by the content, not the name;
- schema 11 keeps note types, decks and deck options as JSON in the ``col`` row; schema
  18 keeps them in the ``notetypes``, ``fields``, ``templates``, ``decks`` and
  ``deck_config`` tables, with protobuf blobs (``knowledge_tracing.anki.protobuf``);
- a collection last used with Anki's first scheduler (v1, before Anki 2.1) gave learning
  cards three buttons, so its learning and relearning answers 2 and 3 mean Good and
  Easy: they are read as 3 and 4, and its relearning cards (review cards in a learning
  queue) as relearning, as Anki itself upgrades them.

Every read is bounded by ``ReadLimits``: the archive's entries, each decompressed
stream, each table's row count, fields and templates per note type, and the SQLite steps
a query may take. The collection is read whole when the file is opened; media files are
read one at a time, on demand, from the manifest (``AnkiFile.read_media``).
"""

import json
import shutil
import sqlite3
import tempfile
import unicodedata
from datetime import datetime
from datetime import timezone as dt_timezone
from pathlib import Path

import zstandard
from google.protobuf.message import DecodeError

from knowledge_tracing.anki.archive import ZSTD_MAGIC, PackageArchive
from knowledge_tracing.anki.limits import AnkiFileError, ReadLimits, readable_size
from knowledge_tracing.anki.protobuf import (
    NOTETYPE_KIND_CLOZE,
    PACKAGE_VERSION_LATEST,
    DeckConfigConfig,
    DeckKindContainer,
    MediaEntries,
    NotetypeConfig,
    PackageMetadata,
    TemplateConfig,
)
from knowledge_tracing.anki.records import (
    CARD_STATES,
    CLOZE,
    DECK_SEPARATOR,
    NEW,
    RELEARNING,
    REVIEW,
    REVIEW_LEARNING,
    REVIEW_RELEARNING,
    STANDARD,
    Card,
    Collection,
    Deck,
    DeckPreset,
    MediaEntry,
    MemoryState,
    Note,
    NoteType,
    Review,
    Template,
)

COLLECTION_ENTRIES = ("collection.anki21b", "collection.anki21", "collection.anki2")
SQLITE_MAGIC = b"SQLite format 3\x00"
ZIP_MAGIC = b"PK"
FIELD_SEPARATOR = "\x1f"
SCHEMA18_DECK_SEPARATOR = "\x1f"
REQUIRED_TABLES = ("col", "notes", "cards", "revlog")
SCHEMA18_TABLES = ("notetypes", "fields", "templates", "decks", "deck_config")
QUEUE_SUSPENDED, QUEUE_BURIED, QUEUE_LEARNING = -1, (-2, -3), (1, 3)
FIRST_SCHEDULER_LEARNING_KINDS = (REVIEW_LEARNING, REVIEW_RELEARNING)
DUE_IS_TIMESTAMP_ABOVE = 1_000_000_000  # learning cards' due is epoch seconds, review cards' a day number
SECONDS_PER_DAY = 86_400
CARD_DATA_MAX_CHARS = 10_000
MEDIA_NAME_MAX_BYTES = 255
MEDIA_NAME_FORBIDDEN = set('/\\:*?"<>|')
SQLITE_PROGRESS_EVERY = 10_000
# Python's json module recurses once per nesting level: JSON nested past the recursion
# limit ("[" * 300000 in col.conf, found by the fuzz tests) raises RecursionError, which
# every parse below treats as it treats JSON that does not parse.
# The columns read as numbers and as text. SQLite stores whatever a writer gave it, so a
# damaged file may hold text, a blob or NULL in any of them: such a row is refused by name.
# Numbers may be reals (old Anki versions wrote some), read as integers (SQLite's CAST
# truncates them and clamps them to 64 bits).
NUMBER_COLUMNS = {
    "notes": ("id", "mid", "mod"),
    "cards": ("id", "nid", "did", "ord", "mod", "type", "queue", "due", "ivl", "factor", "reps", "lapses", "odue", "odid", "flags"),
    "revlog": ("id", "cid", "ease", "ivl", "lastIvl", "factor", "time", "type"),
    "notetypes": ("id",), "fields": ("ntid", "ord"), "templates": ("ntid", "ord"), "decks": ("id",), "deck_config": ("id",),
}
TEXT_COLUMNS = {
    "notes": ("guid", "tags", "flds"), "notetypes": ("name",), "fields": ("name",), "templates": ("name",), "decks": ("name",),
    "deck_config": ("name",),
}


def open_anki_file(path: Path, *, limits: ReadLimits | None = None) -> "AnkiFile":
    """Open a package or a bare collection (told apart by its first bytes) and read its collection.

    Raises ``AnkiFileError`` with a message naming the entry and the problem. Use the
    result as a context manager; media files can be read from it until it is closed.
    """
    limits = limits or ReadLimits()
    path = Path(path)
    with open(path, "rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(ZIP_MAGIC):
        return _open_package(path, limits)
    if head.startswith(ZSTD_MAGIC) or head.startswith(SQLITE_MAGIC):
        return AnkiFile(collection=_read_bare_collection(path, limits, compressed=head.startswith(ZSTD_MAGIC)))
    raise AnkiFileError("not an Anki file: neither a package (zip archive) nor a collection (SQLite database)")


def read_collection(path: Path, *, limits: ReadLimits | None = None) -> Collection:
    """The collection of a package or collection file, without its media."""
    with open_anki_file(path, limits=limits) as anki_file:
        return anki_file.collection


class AnkiFile:
    """An opened Anki file: its ``collection``, the ``media`` manifest (file name -> entry), and ``problems`` in words."""

    def __init__(
        self, *, collection: Collection, archive: PackageArchive | None = None, media: dict[str, MediaEntry] | None = None,
        media_problems: list[str] | None = None, compressed_media: bool = False,
    ) -> None:
        self.collection = collection
        self.media = media or {}
        self.problems = [*collection.problems, *(media_problems or [])]
        self._archive = archive
        self._compressed_media = compressed_media

    def __enter__(self) -> "AnkiFile":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()

    def read_media(self, name: str) -> bytes:
        """The bytes of media file ``name``, held to the per-file and whole-package limits."""
        entry = self.media[name]
        assert self._archive is not None
        max_bytes = self._archive.limits.max_media_file_bytes
        return self._archive.read(entry.archive_entry, zstd=self._compressed_media, max_bytes=max_bytes)


# --- packages ---------------------------------------------------------------------------------


def _open_package(path: Path, limits: ReadLimits) -> AnkiFile:
    archive = PackageArchive(path, limits)
    try:
        version = _package_version(archive)
        entry = next((name for name in COLLECTION_ENTRIES if archive.has(name)), None)
        if entry is None:
            raise AnkiFileError("not an Anki package: no collection.anki21b, collection.anki21 or collection.anki2 entry")
        with tempfile.TemporaryDirectory(prefix="anki-read-") as scratch:
            collection_path = Path(scratch) / "collection.sqlite3"
            collection_path.write_bytes(archive.read(entry, zstd=True))
            collection = _read_sqlite(collection_path, entry, limits)
        compressed_media = version >= PACKAGE_VERSION_LATEST
        media, media_problems = _media_manifest(archive, compressed=compressed_media)
    except BaseException:
        archive.close()
        raise
    return AnkiFile(collection=collection, archive=archive, media=media, media_problems=media_problems, compressed_media=compressed_media)


def _package_version(archive: PackageArchive) -> int:
    """The package's format version: from ``meta``, or 1-2 for packages written before Anki 2.1.50 (no meta)."""
    if not archive.has("meta"):
        return 2 if archive.has("collection.anki21") else 1
    try:
        version = PackageMetadata.FromString(archive.read("meta", zstd=False, max_bytes=1024)).version
    except DecodeError as error:
        raise AnkiFileError(f"meta: not Anki package metadata ({error})") from error
    if version > PACKAGE_VERSION_LATEST:
        raise AnkiFileError(f"meta: package version {version} comes from a newer Anki than Mnemo reads (up to {PACKAGE_VERSION_LATEST})")
    return version


def media_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a media file's name (a path, a link to a folder, control characters), or None."""
    if not name or name in (".", "..") or name != name.strip():
        return "not a plain file name"
    if MEDIA_NAME_FORBIDDEN & set(name) or any(unicodedata.category(char) == "Cc" for char in name):
        return "not a plain file name (it holds a path or characters a file name cannot have)"
    if len(name.encode("utf-8")) > MEDIA_NAME_MAX_BYTES:
        return f"a file name longer than {MEDIA_NAME_MAX_BYTES} bytes"
    return None


def _media_manifest(archive: PackageArchive, *, compressed: bool) -> tuple[dict[str, MediaEntry], list[str]]:
    """File name -> entry for each usable media file, and a line for each listed file that is skipped and why."""
    if not archive.has("media"):
        return {}, []
    listed = _media_listing(archive.read("media", zstd=compressed))
    entries: dict[str, MediaEntry] = {}
    problems: list[str] = []
    for zip_entry, name in listed:
        problem = media_name_problem(name)
        if problem is None and name in entries:
            problem = "listed twice; the first is kept"
        elif problem is None and not archive.has(zip_entry):
            problem = "listed but missing from the package"
        elif problem is None and archive.is_link(zip_entry):
            problem = "a symbolic link, not a file"
        if problem:
            problems.append(f"media {name[:100]!r}: {problem}; skipped")
        else:
            entries[name] = MediaEntry(name=name, archive_entry=zip_entry, size=archive.size(zip_entry))
    return entries, problems


def _media_listing(data: bytes) -> list[tuple[str, str]]:
    """(zip entry, file name) pairs from the latest (MediaEntries protobuf) or the legacy (JSON) manifest."""
    try:
        legacy = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        try:
            entries = MediaEntries.FromString(data).entries
        except DecodeError as error:
            raise AnkiFileError(f"media: neither a JSON nor a protobuf media manifest ({error})") from error
        return [
            (str(entry.legacy_zip_filename) if entry.HasField("legacy_zip_filename") else str(index), entry.name)
            for index, entry in enumerate(entries)
        ]
    if not isinstance(legacy, dict) or not all(isinstance(name, str) for name in legacy.values()):
        raise AnkiFileError("media: the media manifest is not an object of file names")
    return [(str(entry), name) for entry, name in legacy.items()]


# --- bare collection files ---------------------------------------------------------------------


def _read_bare_collection(path: Path, limits: ReadLimits, *, compressed: bool) -> Collection:
    size = path.stat().st_size
    if size > limits.max_unpacked_bytes:
        raise AnkiFileError(f"the collection is {readable_size(size)}, more than the {readable_size(limits.max_unpacked_bytes)} allowed")
    with tempfile.TemporaryDirectory(prefix="anki-read-") as scratch:
        copy = Path(scratch) / "collection.sqlite3"
        if compressed:
            _decompress_bounded(path, copy, limits.max_unpacked_bytes)
        else:
            shutil.copyfile(path, copy)  # SQLite may write beside the file it opens; never beside the caller's
        return _read_sqlite(copy, path.name, limits)


def _decompress_bounded(source: Path, target: Path, limit: int) -> None:
    written = 0
    try:
        with open(source, "rb") as compressed, open(target, "wb") as out:
            reader = zstandard.ZstdDecompressor().stream_reader(compressed)
            while chunk := reader.read(1024 * 1024):
                written += len(chunk)
                if written > limit:
                    raise AnkiFileError(f"{source.name}: unpacks to more than the {readable_size(limit)} allowed")
                out.write(chunk)
    except zstandard.ZstdError as error:
        raise AnkiFileError(f"{source.name}: damaged or truncated zstd data ({error})") from error


# --- the collection's SQLite database ------------------------------------------------------------


def _unicase(left: str, right: str) -> int:
    """Anki's ``unicase`` collation (case-insensitive), which schema-18 tables name; SQLite refuses their indexes without it."""
    left, right = left.casefold(), right.casefold()
    return (left > right) - (left < right)


def _read_sqlite(path: Path, entry: str, limits: ReadLimits) -> Collection:
    try:
        database = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise AnkiFileError(f"{entry}: not an Anki collection ({error})") from error
    steps = {"left": limits.max_sqlite_steps // SQLITE_PROGRESS_EVERY}

    def count_steps() -> int:
        steps["left"] -= 1
        return 1 if steps["left"] < 0 else 0

    try:
        database.create_collation("unicase", _unicase)
        database.set_progress_handler(count_steps, SQLITE_PROGRESS_EVERY)
        database.execute("PRAGMA trusted_schema = OFF")
        return _CollectionReader(database, limits, entry).collection()
    except sqlite3.OperationalError as error:
        if steps["left"] < 0:
            raise AnkiFileError(f"{entry}: reading it takes more work than a collection of the allowed size") from error
        raise AnkiFileError(f"{entry}: not an Anki collection, or a damaged one ({error})") from error
    except (sqlite3.DatabaseError, OverflowError, ValueError) as error:
        if isinstance(error, AnkiFileError):
            raise
        raise AnkiFileError(f"{entry}: not an Anki collection, or a damaged one ({error})") from error
    finally:
        database.close()


LATEST_TIMESTAMP = 253_402_214_400  # the year 9999, datetime's last


def _timestamp(seconds: float) -> datetime:
    """A UTC datetime, clamped to what datetime can hold (a damaged file may hold any integer)."""
    return datetime.fromtimestamp(min(max(seconds, 0), LATEST_TIMESTAMP), tz=dt_timezone.utc)


def _json_object(text, where: str) -> dict:
    try:
        value = json.loads(text or "{}")
    except (json.JSONDecodeError, TypeError, RecursionError) as error:
        raise AnkiFileError(f"{where}: not JSON ({error})") from error
    if not isinstance(value, dict) or not all(isinstance(item, dict) for item in value.values()):
        raise AnkiFileError(f"{where}: not an object of objects")
    return value


def _whole(value, default: int = 0) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def _text(value, default: str = "") -> str:
    return value if isinstance(value, str) else default


def normal_deck_name(name: str) -> str:
    """A deck name as Anki keeps it: ``::``-separated parts, each stripped, an empty part named ``blank``."""
    return DECK_SEPARATOR.join(part.strip() or "blank" for part in name.split(DECK_SEPARATOR))


class _CollectionReader:
    """Note types, notes, cards, decks, presets and the review log of one schema-11 or schema-18 collection."""

    def __init__(self, database: sqlite3.Connection, limits: ReadLimits, entry: str) -> None:
        self.database = database
        self.limits = limits
        self.entry = entry
        kinds = dict(database.execute("SELECT name, type FROM sqlite_master"))
        missing = [table for table in REQUIRED_TABLES if kinds.get(table) != "table"]
        if missing:
            raise AnkiFileError(f"{entry}: not an Anki collection (no {', '.join(missing)} table)")
        self.schema18 = all(kinds.get(table) == "table" for table in SCHEMA18_TABLES)
        row = database.execute("SELECT crt, models, decks, dconf, conf FROM col").fetchone()
        if row is None:
            raise AnkiFileError(f"{entry}: not an Anki collection (its col table is empty)")
        self.created_at, self.models_json, self.decks_json, self.presets_json = _whole(row[0]), *row[1:4]
        self.first_scheduler = self._scheduler_version(row[4]) == 1
        self.problems: list[str] = []

    def _scheduler_version(self, conf) -> int:
        if self.schema18:
            row = self.database.execute("SELECT val FROM config WHERE KEY = 'schedVer'").fetchone()
            value = row[0] if row else None
        else:
            try:
                value = json.loads(conf or "{}").get("schedVer")
            except (json.JSONDecodeError, AttributeError, TypeError, RecursionError):
                value = None
        try:
            return int(value)
        except (TypeError, ValueError):
            return 1

    def collection(self) -> Collection:
        note_types = self._note_types()
        decks = self._decks()
        notes = self._notes(note_types)
        return Collection(
            created_at=_timestamp(self.created_at),
            note_types=note_types,
            notes=notes,
            cards=self._cards({note.id for note in notes}),
            decks=decks,
            presets=self._presets(),
            reviews=self._reviews(),
            problems=self.problems,
        )

    def _rows(self, table: str, columns: str, order: str = ""):
        """The table's rows (``columns``, comma-separated), numbers as integers; AnkiFileError naming a row whose value has the wrong type."""
        numbers, texts = NUMBER_COLUMNS.get(table, ()), TEXT_COLUMNS.get(table, ())
        names = [name.strip() for name in columns.split(",")]
        checks = [f"typeof({name}) NOT IN ('integer', 'real')" for name in names if name in numbers]
        checks += [f"typeof({name}) != 'text'" for name in names if name in texts]
        if checks:
            wrong = self.database.execute(f"SELECT {columns} FROM {table} WHERE {' OR '.join(checks)} LIMIT 1").fetchone()
            if wrong:
                column, value = next(
                    (name, value) for name, value in zip(names, wrong)
                    if (name in numbers and not isinstance(value, (int, float))) or (name in texts and not isinstance(value, str))
                )
                kind = "a number" if column in numbers else "text"
                raise AnkiFileError(f"{self.entry}: a row of {table} holds {_sqlite_kind(value)} in {column}, where Anki keeps {kind}")
        selected = ", ".join(f"CAST({name} AS INTEGER)" if name in numbers else name for name in names)
        return self.database.execute(f"SELECT {selected} FROM {table} {order}")

    def _count(self, table: str, limit: int, what: str) -> None:
        count = self.database.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        if count > limit:
            raise AnkiFileError(f"the collection holds {count:,} {what}, more than the {limit:,} allowed")

    # note types

    def _note_types(self) -> dict[int, NoteType]:
        if self.schema18:
            self._count("notetypes", self.limits.max_note_types, "note types")
            return self._note_types_18()
        models = _json_object(self.models_json, f"{self.entry}: col.models")
        if len(models) > self.limits.max_note_types:
            raise AnkiFileError(f"the collection holds {len(models):,} note types, more than the {self.limits.max_note_types:,} allowed")
        note_types = {}
        for key, model in models.items():
            note_type_id = _whole(model.get("id"), 0) or int(key)
            fields = sorted((item for item in model.get("flds") or [] if isinstance(item, dict)), key=lambda item: _whole(item.get("ord")))
            templates = sorted((item for item in model.get("tmpls") or [] if isinstance(item, dict)), key=lambda item: _whole(item.get("ord")))
            note_types[note_type_id] = self._note_type(
                note_type_id=note_type_id,
                name=_text(model.get("name"), f"note type {note_type_id}"),
                cloze=model.get("type") == 1,
                fields=[_text(item.get("name")) for item in fields],
                templates=[(_text(item.get("name")), _text(item.get("qfmt")), _text(item.get("afmt"))) for item in templates],
                css=_text(model.get("css")),
                sort_field=_whole(model.get("sortf")),
                latex=(_text(model.get("latexPre")), _text(model.get("latexPost"))),
            )
        return note_types

    def _note_types_18(self) -> dict[int, NoteType]:
        fields: dict[int, list[str]] = {}
        for note_type_id, name, _ in self._rows("fields", "ntid, name, ord", "ORDER BY ntid, ord"):
            fields.setdefault(note_type_id, []).append(name)
            self._check_per_type(len(fields[note_type_id]), self.limits.max_fields, "fields", note_type_id)
        templates: dict[int, list[tuple[str, str, str]]] = {}
        for note_type_id, name, config in self._rows("templates", "ntid, name, config", "ORDER BY ntid, ord"):
            formats = self._parse(TemplateConfig, config, f"template {name!r}")
            templates.setdefault(note_type_id, []).append((name, formats.q_format, formats.a_format))
            self._check_per_type(len(templates[note_type_id]), self.limits.max_templates, "templates", note_type_id)
        note_types = {}
        for note_type_id, name, config in self._rows("notetypes", "id, name, config"):
            settings = self._parse(NotetypeConfig, config, f"note type {name!r}")
            note_types[note_type_id] = self._note_type(
                note_type_id=note_type_id, name=name, cloze=settings.kind == NOTETYPE_KIND_CLOZE,
                fields=fields.get(note_type_id, []), templates=templates.get(note_type_id, []), css=settings.css,
                sort_field=settings.sort_field_idx, latex=(settings.latex_pre, settings.latex_post),
            )
        return note_types

    def _check_per_type(self, count: int, limit: int, what: str, note_type_id: int) -> None:
        if count > limit:
            raise AnkiFileError(f"note type {note_type_id} has more than the {limit} {what} allowed for a note type")

    def _note_type(self, *, note_type_id, name, cloze, fields, templates, css, sort_field, latex) -> NoteType:
        if len(fields) > self.limits.max_fields:
            raise AnkiFileError(f"note type {name[:100]!r} has {len(fields)} fields, more than the {self.limits.max_fields} allowed")
        if len(templates) > self.limits.max_templates:
            raise AnkiFileError(f"note type {name[:100]!r} has {len(templates)} templates, more than the {self.limits.max_templates} allowed")
        if not fields:
            raise AnkiFileError(f"note type {name[:100]!r} has no fields")
        for template_name, front, back in templates:
            if max(len(front), len(back)) > self.limits.max_template_chars:
                raise AnkiFileError(
                    f"note type {name[:100]!r}, template {template_name[:100]!r}: longer than the "
                    f"{self.limits.max_template_chars:,} characters allowed"
                )
        return NoteType(
            id=note_type_id, name=name, kind=CLOZE if cloze else STANDARD, fields=tuple(fields),
            templates=tuple(Template(name=template_name, front=front, back=back) for template_name, front, back in templates),
            css=css, sort_field=sort_field if 0 <= sort_field < len(fields) else 0, latex_pre=latex[0], latex_post=latex[1],
        )

    def _parse(self, message, blob, where: str):
        try:
            return message.FromString(blob or b"")
        except (DecodeError, TypeError) as error:
            raise AnkiFileError(f"{self.entry}: {where}: damaged settings ({error})") from error

    # decks and presets

    def _decks(self) -> dict[int, Deck]:
        if self.schema18:
            self._count("decks", self.limits.max_decks, "decks")
            rows = []
            for deck_id, name, kind in self._rows("decks", "id, name, kind"):
                container = self._parse(DeckKindContainer, kind, f"deck {deck_id}")
                normal = container.normal
                rows.append((
                    deck_id, name.replace(SCHEMA18_DECK_SEPARATOR, DECK_SEPARATOR), normal.config_id or None,
                    container.HasField("filtered"), normal.description,
                ))
        else:
            decks = _json_object(self.decks_json, f"{self.entry}: col.decks")
            if len(decks) > self.limits.max_decks:
                raise AnkiFileError(f"the collection holds {len(decks):,} decks, more than the {self.limits.max_decks:,} allowed")
            rows = [
                (_whole(deck.get("id"), 0) or int(key), _text(deck.get("name"), f"deck {key}"),
                 _whole(deck.get("conf"), 0) or None, bool(deck.get("dyn")), _text(deck.get("desc")))
                for key, deck in decks.items()
            ]
        by_name = {normal_deck_name(name): deck_id for deck_id, name, *_ in rows}
        result = {}
        for deck_id, name, preset_id, filtered, description in rows:
            name = normal_deck_name(name)
            parent = name.rsplit(DECK_SEPARATOR, 1)[0] if DECK_SEPARATOR in name else None
            result[deck_id] = Deck(
                id=deck_id, name=name, parent_id=by_name.get(parent) if parent else None,
                preset_id=None if filtered else preset_id, filtered=filtered, description=description,
            )
        return result

    def _presets(self) -> dict[int, DeckPreset]:
        if self.schema18:
            presets = {}
            for preset_id, name, config in self._rows("deck_config", "id, name, config", f"LIMIT {self.limits.max_decks}"):
                options = self._parse(DeckConfigConfig, config, f"deck options {name!r}")
                presets[preset_id] = DeckPreset(
                    id=preset_id, name=name, new_per_day=options.new_per_day, reviews_per_day=options.reviews_per_day,
                    learn_steps_minutes=tuple(options.learn_steps), relearn_steps_minutes=tuple(options.relearn_steps),
                    desired_retention=round(options.desired_retention, 4) or None,
                    maximum_interval_days=options.maximum_review_interval or 36500,
                    bury_new=options.bury_new, bury_reviews=options.bury_reviews,
                )
            return presets
        presets = {}
        for key, options in list(_json_object(self.presets_json, f"{self.entry}: col.dconf").items())[: self.limits.max_decks]:
            new, lapse, review = (options.get(part) if isinstance(options.get(part), dict) else {} for part in ("new", "lapse", "rev"))
            retention = options.get("desiredRetention")
            presets[_whole(options.get("id"), 0) or int(key)] = DeckPreset(
                id=_whole(options.get("id"), 0) or int(key), name=_text(options.get("name"), f"options {key}"),
                new_per_day=_whole(new.get("perDay"), 20), reviews_per_day=_whole(review.get("perDay"), 200),
                learn_steps_minutes=_steps(new.get("delays"), (1.0, 10.0)), relearn_steps_minutes=_steps(lapse.get("delays"), (10.0,)),
                desired_retention=float(retention) if isinstance(retention, (int, float)) and 0 < retention < 1 else None,
                maximum_interval_days=_whole(review.get("maxIvl"), 36500), bury_new=bool(new.get("bury")), bury_reviews=bool(review.get("bury")),
            )
        return presets

    # notes, cards and the review log

    def _notes(self, note_types: dict[int, NoteType]) -> list[Note]:
        self._count("notes", self.limits.max_notes, "notes")
        too_long = self.database.execute("SELECT id FROM notes WHERE length(flds) > ? LIMIT 1", (self.limits.max_field_chars,)).fetchone()
        if too_long:
            raise AnkiFileError(f"note {too_long[0]}: its fields hold more than the {self.limits.max_field_chars:,} characters allowed")
        notes, orphans = [], 0
        for note_id, guid, note_type_id, modified, tags, fields in self._rows("notes", "id, guid, mid, mod, tags, flds", "ORDER BY id"):
            note_type = note_types.get(note_type_id)
            if note_type is None:
                orphans += 1
                continue
            notes.append(Note(
                id=note_id, guid=str(guid), note_type_id=note_type_id, fields=_fit_fields(str(fields), len(note_type.fields)),
                tags=tuple(dict.fromkeys(str(tags).split())), modified_at=_timestamp(_whole(modified)),
            ))
        if orphans:
            self.problems.append(f"{orphans} notes whose note type is missing; skipped")
        return notes

    def _cards(self, note_ids: set[int]) -> list[Card]:
        self._count("cards", self.limits.max_cards, "cards")
        cards, orphans = [], 0
        columns = "id, nid, did, ord, mod, type, queue, due, ivl, factor, reps, lapses, odue, odid, flags, data"
        for row in self._rows("cards", columns, "ORDER BY nid, ord"):
            card_id, note_id, deck_id, ordinal, modified, kind, queue, due, interval, factor, reps, lapses, original_due, original_deck, flags, data = row
            if note_id not in note_ids:
                orphans += 1
                continue
            if original_deck:
                deck_id, due = original_deck, original_due or due
            state = CARD_STATES[kind] if 0 <= kind < len(CARD_STATES) else NEW
            if self.first_scheduler and state == REVIEW and queue in QUEUE_LEARNING:
                state = RELEARNING
            cards.append(Card(
                id=card_id, note_id=note_id, ord=ordinal, deck_id=deck_id, state=state, suspended=queue == QUEUE_SUSPENDED,
                buried=queue in QUEUE_BURIED, due_at=None if state == NEW else self._due_at(due),
                new_position=due if state == NEW else None, interval_days=max(0, interval), ease=factor / 1000 if factor > 0 else None,
                reps=max(0, reps), lapses=max(0, lapses), memory=_memory_state(data), flag=flags & 0b111, modified_at=_timestamp(_whole(modified)),
            ))
        if orphans:
            self.problems.append(f"{orphans} cards whose note is missing; skipped")
        return cards

    def _due_at(self, due: int) -> datetime:
        """A learning card's due time (epoch seconds) or a review card's due day (days since the collection's creation)."""
        seconds = due if due > DUE_IS_TIMESTAMP_ABOVE else self.created_at + due * SECONDS_PER_DAY
        return _timestamp(seconds)

    def _reviews(self) -> list[Review]:
        self._count("revlog", self.limits.max_review_logs, "review-log entries")
        three_buttons = FIRST_SCHEDULER_LEARNING_KINDS if self.first_scheduler else ()
        return [
            Review(
                id=log_id, card_id=card_id, reviewed_at=_timestamp(log_id / 1000),
                rating=ease + 1 if kind in three_buttons and ease in (2, 3) else ease, interval=interval,
                last_interval=last_interval, ease=factor, duration_ms=max(0, duration), kind=kind,
            )
            for log_id, card_id, ease, interval, last_interval, factor, duration, kind in self._rows("revlog", "id, cid, ease, ivl, lastIvl, factor, time, type", "ORDER BY id")
        ]


def _sqlite_kind(value) -> str:
    """What a damaged value is, in words."""
    if value is None:
        return "nothing (NULL)"
    return {bytes: "binary data", str: "text", int: "a number", float: "a number"}[type(value)]


def _fit_fields(raw: str, count: int) -> tuple[str, ...]:
    """A note's field values, as many as its note type has: missing ones empty, extra ones joined onto the last (as Anki repairs them)."""
    values = raw.split(FIELD_SEPARATOR)
    if len(values) > count:
        values = [*values[: count - 1], " ".join(values[count - 1 :])]
    return tuple(values + [""] * (count - len(values)))


def _steps(value, default: tuple[float, ...]) -> tuple[float, ...]:
    if not isinstance(value, list):
        return default
    return tuple(float(step) for step in value if isinstance(step, (int, float)) and not isinstance(step, bool))


def _memory_state(data) -> MemoryState | None:
    """The FSRS memory state in a card's ``data`` JSON (``s`` stability, ``d`` difficulty, ``dr``, ``lrt``), if it has one."""
    if not isinstance(data, str) or not data.startswith("{") or len(data) > CARD_DATA_MAX_CHARS:
        return None
    try:
        values = json.loads(data)
    except (json.JSONDecodeError, RecursionError):
        return None
    stability, difficulty = values.get("s"), values.get("d")
    if not all(isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 for value in (stability, difficulty)):
        return None
    retention, last_review = values.get("dr"), values.get("lrt")
    return MemoryState(
        stability=float(stability), difficulty=float(difficulty),
        desired_retention=float(retention) if isinstance(retention, (int, float)) and 0 < retention < 1 else None,
        last_review_at=_timestamp(last_review) if isinstance(last_review, int) and last_review > 0 else None,
    )
