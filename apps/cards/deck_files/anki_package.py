"""Read an Anki package (.apkg, .colpkg) of any version into a DeckFile.

The layout follows Anki's own code (rslib/src/import_export/package): a zip holding
``meta`` (PackageMetadata), the collection as ``collection.anki21b`` (zstd-compressed
SQLite, schema 18, written by Anki 2.1.50 and later, beside a stub ``collection.anki2``
that only asks to update Anki) or, from older versions, ``collection.anki21`` /
``collection.anki2`` (plain SQLite, schema 11, note types and decks as JSON in ``col``);
``media`` maps zip entries ``0``, ``1``, ... to file names (MediaEntries, zstd-compressed,
in the latest version; JSON before), and the latest version compresses each media file.

Cards: basic and reversed note types give (first field, second field) for the first
template and the reverse for the second; cloze notes give one card per cloze number; a
third or later template of another note type is skipped and reported. Field HTML goes
through the project's sanitiser. The revlog's answers (ease 1-4) become ReviewRows.

Every read is bounded: the archive's entries, each decompressed stream and the
collection are checked against ``ImportLimits`` before they are held in memory.
"""

import io
import json
import re
import sqlite3
import tempfile
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone as dt_timezone
from pathlib import Path

import zstandard
from google.protobuf.message import DecodeError

from apps.cards.deck_files.anki_protobuf import (
    NOTETYPE_KIND_CLOZE,
    PACKAGE_VERSION_LATEST,
    MediaEntries,
    NotetypeConfig,
    PackageMetadata,
)
from apps.cards.deck_files.cloze import cloze_numbers, cloze_sides
from apps.cards.deck_files.limits import ImportLimits, readable_size
from apps.cards.deck_files.records import CardRow, DeckFile, DeckFileError, MediaFile, ReviewRow
from apps.cards.rendering import is_package_media_name, sanitise_html

COLLECTION_ENTRIES = ("collection.anki21b", "collection.anki21", "collection.anki2")
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
FIELD_SEPARATOR = "\x1f"
SCHEMA18_DECK_SEPARATOR = "\x1f"
TAG_DISALLOWED = re.compile(r"[^\w:.\-/]")
MEDIA_REFERENCE = re.compile(r"""<img[^>]*?\bsrc\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
SAFE_MEDIA_NAME = re.compile(r"^[^/\\\x00]+$")


@dataclass(frozen=True)
class NoteType:
    name: str
    is_cloze: bool


def read_anki_package(path: Path, *, limits: ImportLimits, title: str = "") -> DeckFile:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise DeckFileError("not an Anki package: the file is not a zip archive (or it is truncated)") from error
    with archive, tempfile.TemporaryDirectory(prefix="mnemo-anki-") as scratch:
        unpacked = _UnpackBudget(limits.max_unpacked_bytes)
        _check_declared_sizes(archive, limits)
        _check_version(archive, unpacked)
        collection = Path(scratch) / "collection.sqlite3"
        entry = _write_collection(archive, collection, unpacked)
        deck_file = _read_collection(collection, entry, limits, title or path.stem)
        deck_file.media, missing = _read_media(archive, unpacked, _referenced_media(deck_file.cards))
        deck_file.skipped.extend(missing)
    return deck_file


class _UnpackBudget:
    """Bytes that decompressing may still produce: a zip bomb runs out of it and is refused."""

    def __init__(self, limit: int) -> None:
        self.left = limit
        self.limit = limit

    def read(self, archive: zipfile.ZipFile, name: str) -> bytes:
        """The entry's bytes, zstd-decompressed when they are a zstd frame, within the budget."""
        try:
            with archive.open(name) as handle:
                data = handle.read(self.left + 1)
                self._spend(name, len(data))
                if data.startswith(ZSTD_MAGIC):
                    self.left += len(data)
                    reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data))
                    data = reader.read(self.left + 1)
                    self._spend(name, len(data))
        except (zipfile.BadZipFile, zlib.error, zstandard.ZstdError, EOFError) as error:
            raise DeckFileError(f"{name}: damaged or truncated entry ({error})") from error
        return data

    def _spend(self, name: str, size: int) -> None:
        if size > self.left:
            raise DeckFileError(f"{name}: unpacks to more than the {readable_size(self.limit)} allowed for an import")
        self.left -= size


def _check_declared_sizes(archive: zipfile.ZipFile, limits: ImportLimits) -> None:
    """Refuse before reading anything when the sizes the archive declares exceed the limit."""
    declared = sum(info.file_size for info in archive.infolist())
    if declared > limits.max_unpacked_bytes:
        raise DeckFileError(
            f"the package unpacks to {readable_size(declared)}, more than the "
            f"{readable_size(limits.max_unpacked_bytes)} allowed for an import"
        )


def _check_version(archive: zipfile.ZipFile, unpacked: _UnpackBudget) -> None:
    """Refuse a package from an Anki newer than the format described here (packages before 2.1.50 have no meta)."""
    if "meta" not in archive.namelist():
        return
    try:
        version = PackageMetadata.FromString(unpacked.read(archive, "meta")).version
    except DecodeError as error:
        raise DeckFileError(f"meta: not Anki package metadata ({error})") from error
    if version > PACKAGE_VERSION_LATEST:
        raise DeckFileError(f"meta: package version {version} comes from a newer Anki than Mnemo reads (up to {PACKAGE_VERSION_LATEST})")


def _write_collection(archive: zipfile.ZipFile, target: Path, unpacked: _UnpackBudget) -> str:
    names = set(archive.namelist())
    entry = next((name for name in COLLECTION_ENTRIES if name in names), None)
    if entry is None:
        raise DeckFileError("not an Anki package: no collection.anki21b, collection.anki21 or collection.anki2 entry")
    target.write_bytes(unpacked.read(archive, entry))
    return entry


def _read_collection(path: Path, entry: str, limits: ImportLimits, title: str) -> DeckFile:
    try:
        database = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise DeckFileError(f"{entry}: not an Anki collection ({error})") from error
    try:
        with database:
            return _CollectionReader(database, limits).deck_file(title)
    except sqlite3.DatabaseError as error:
        raise DeckFileError(f"{entry}: not an Anki collection, or a damaged one ({error})") from error
    finally:
        database.close()


class _CollectionReader:
    """Note types, decks, notes, cards and the revlog of one collection (schema 11 or 18)."""

    def __init__(self, database: sqlite3.Connection, limits: ImportLimits) -> None:
        self.database = database
        self.limits = limits
        tables = {row[0] for row in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        self.schema18 = "notetypes" in tables

    def deck_file(self, title: str) -> DeckFile:
        note_types, deck_names = self._note_types(), self._deck_names()
        card_count = self.database.execute("SELECT count(*) FROM cards").fetchone()[0]
        if card_count > self.limits.max_cards:
            raise DeckFileError(f"the package holds {card_count} cards, more than the {self.limits.max_cards} allowed")
        skipped: list[str] = []
        notes = {
            note_id: (note_type_id, fields.split(FIELD_SEPARATOR), _anki_tags(tags))
            for note_id, note_type_id, tags, fields in self.database.execute("SELECT id, mid, tags, flds FROM notes")
        }
        cards, noted = [], set()
        query = "SELECT id, nid, CASE WHEN odid != 0 THEN odid ELSE did END, ord FROM cards ORDER BY nid, ord"
        for card_id, note_id, deck_id, template in self.database.execute(query):
            if note_id not in notes:
                skipped.append(f"card {card_id}: its note {note_id} is missing")
                continue
            note_type_id, fields, tags = notes[note_id]
            note_type = note_types.get(note_type_id, NoteType(name=f"note type {note_type_id}", is_cloze=False))
            source = f"note {note_id} card {template + 1}"
            sides = _card_sides(note_type, fields, template)
            if isinstance(sides, str):
                skipped.append(f"{source}: {sides}")
                continue
            noted.add(note_id)
            front, back = sides
            cards.append(
                CardRow(front=front, back=back, tags=tags, source=source, subdeck=deck_names.get(deck_id, ""), anki_card_id=card_id)
            )
        reviews = self._reviews({card.anki_card_id for card in cards}, skipped)
        return DeckFile(title=_common_deck(cards) or title, cards=cards, note_count=len(noted), reviews=reviews, skipped=skipped)

    def _note_types(self) -> dict[int, NoteType]:
        if self.schema18:
            rows = self.database.execute("SELECT id, name, config FROM notetypes")
            return {note_type_id: NoteType(name=name, is_cloze=_is_cloze(config)) for note_type_id, name, config in rows}
        models = json.loads(self.database.execute("SELECT models FROM col").fetchone()[0] or "{}")
        return {int(key): NoteType(name=model["name"], is_cloze=model.get("type") == 1) for key, model in models.items()}

    def _deck_names(self) -> dict[int, str]:
        if self.schema18:
            rows = self.database.execute("SELECT id, name FROM decks")
            return {deck_id: name.replace(SCHEMA18_DECK_SEPARATOR, "::") for deck_id, name in rows}
        decks = json.loads(self.database.execute("SELECT decks FROM col").fetchone()[0] or "{}")
        return {int(key): deck["name"] for key, deck in decks.items()}

    def _reviews(self, card_ids: set[int], skipped: list[str]) -> list[ReviewRow]:
        count = self.database.execute("SELECT count(*) FROM revlog").fetchone()[0]
        if count > self.limits.max_review_logs:
            raise DeckFileError(f"the package holds {count} review log entries, more than the {self.limits.max_review_logs} allowed")
        reviews, unanswered, orphaned = [], 0, 0
        for log_id, card_id, ease, duration_ms in self.database.execute("SELECT id, cid, ease, time FROM revlog ORDER BY id"):
            if not 1 <= ease <= 4:
                unanswered += 1
                continue
            if card_id not in card_ids:
                orphaned += 1
                continue
            answered_at = datetime.fromtimestamp(log_id / 1000, tz=dt_timezone.utc)
            reviews.append(ReviewRow(anki_card_id=card_id, answered_at=answered_at, grade=ease, response_ms=max(0, duration_ms)))
        if unanswered:
            skipped.append(f"{unanswered} review log entries without an answer (rescheduled or reset by hand)")
        if orphaned:
            skipped.append(f"{orphaned} review log entries of cards that are not imported")
        return reviews


def _is_cloze(config: bytes) -> bool:
    try:
        return NotetypeConfig.FromString(config or b"").kind == NOTETYPE_KIND_CLOZE
    except DecodeError:
        return False


def _card_sides(note_type: NoteType, fields: list[str], template: int) -> tuple[str, str] | str:
    """(front, back) of the card, sanitised; or the reason it is skipped."""
    if note_type.is_cloze:
        text, extra = fields[0], (fields[1] if len(fields) > 1 else "")
        if template + 1 not in cloze_numbers(text):
            return f"cloze {template + 1} is not in the text"
        front, back = cloze_sides(text, template + 1)
        back = back + (f"<br>{extra}" if extra.strip() else "")
    elif len(fields) < 2:
        return f"note type {note_type.name!r} has fewer than two fields"
    elif template > 1:
        return f"template {template + 1} of note type {note_type.name!r} (only the first two fields are imported)"
    else:
        front, back = (fields[0], fields[1]) if template == 0 else (fields[1], fields[0])
    front, back = (sanitise_html(side, image_allowed=is_package_media_name).strip() for side in (front, back))
    if not front or not back:
        return "front or back is empty"
    return front, back


def _anki_tags(raw: str) -> list[str]:
    """Anki's space-separated tags, lower-cased, with characters Mnemo's tags cannot hold replaced by '_'."""
    tags: list[str] = []
    for tag in raw.split():
        tag = TAG_DISALLOWED.sub("_", tag.lower())
        if tag not in tags:
            tags.append(tag)
    return tags


def _common_deck(cards: list[CardRow]) -> str:
    """The top-level Anki deck that holds most cards, as the Mnemo deck's title."""
    roots = Counter(card.subdeck.split("::")[0] for card in cards if card.subdeck)
    return roots.most_common(1)[0][0] if roots else ""


def _referenced_media(cards: list[CardRow]) -> set[str]:
    return {name for card in cards for side in (card.front, card.back) for name in MEDIA_REFERENCE.findall(side)}


def _read_media(archive: zipfile.ZipFile, unpacked: _UnpackBudget, referenced: set[str]) -> tuple[list[MediaFile], list[str]]:
    """The package's media files, and a line for each referenced file it lacks or names unsafely."""
    names = set(archive.namelist())
    media_map = _media_map(archive, unpacked) if "media" in names else {}
    files, skipped = [], []
    for entry, name in media_map.items():
        if not SAFE_MEDIA_NAME.match(name) or name in (".", ".."):
            skipped.append(f"media {name!r}: not a plain file name")
        elif entry not in names:
            skipped.append(f"media {name!r}: listed but missing from the package")
        else:
            files.append(MediaFile(name=name, data=unpacked.read(archive, entry)))
    present = {media.name for media in files}
    skipped.extend(f"media {name!r}: referenced by a card but not in the package" for name in sorted(referenced - present))
    return files, skipped


def _media_map(archive: zipfile.ZipFile, unpacked: _UnpackBudget) -> dict[str, str]:
    """Zip entry -> file name, from the latest (MediaEntries) or the legacy (JSON) media map."""
    data = unpacked.read(archive, "media")
    try:
        legacy = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        try:
            entries = MediaEntries.FromString(data).entries
        except DecodeError as error:
            raise DeckFileError(f"media: neither a JSON nor a protobuf media map ({error})") from error
        return {str(index): entry.name for index, entry in enumerate(entries)}
    if not isinstance(legacy, dict):
        raise DeckFileError("media: the media map is not an object")
    return {str(entry): str(name) for entry, name in legacy.items()}
