"""The "Download my data" zip, written while it is sent: memory stays bounded however many rows the account has.

zipstream-ng writes the archive as a stream of bytes from generators, one per file: a
CSV file is read from the database ``ROWS_PER_FETCH`` rows at a time and handed on in
pieces of about ``PIECE_BYTES``; a deck's own files (CSV and .apkg, by the deck export)
are written to a temporary folder one deck at a time and read back in pieces.
"""

import csv
import io
import json
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from django.db.models import QuerySet
from django.utils.text import slugify
from zipstream import ZIP_DEFLATED, ZipStream

from apps.deck_io.exports import EXPORT_FORMATS, deck_export_to_file
from apps.cards.models import Deck
from apps.privacy.download_tables import DECK_FILES_ABOUT, DOWNLOAD_TABLES, Table

ROWS_PER_FETCH = 2000
PIECE_BYTES = 64 * 1024
README_NAME = "README.txt"

README_HEAD = """\
Everything Mnemo holds about you
================================

This archive holds every row Mnemo keeps about your account, as it was when you
downloaded it. docs/privacy.md in Mnemo's source describes the same files, and what
Mnemo does with them.

How to read the files
---------------------
- Every .csv file is UTF-8, comma-separated, with a header row; text is quoted where
  it holds commas, quotes or line breaks (RFC 4180).
- Times are ISO 8601 in UTC (for example 2026-03-01T09:30:00+00:00).
- true and false are yes and no; an empty cell means "none".
- Lists and records (tags, import results) are JSON text.
- Rows refer to one another by UUID: a study log's card is the row of cards.csv with
  that uuid.
- Card text is as it was typed: a spreadsheet may treat text that begins with = as a
  formula, so import it as text.
- Secrets are never included: your password's hash, API tokens, two-factor secrets and
  recovery codes, session keys.

The files
---------
"""


def readme_text() -> str:
    """README.txt: how to read the files, then each file and each of its columns (``DOWNLOAD_TABLES``)."""
    parts = [README_HEAD]
    for table in DOWNLOAD_TABLES:
        parts.append(f"\n{table.file_name}: {table.about}\n")
        parts.extend(f"  {column.name}: {column.about}\n" for column in table.columns)
    parts.append(f"\n{DECK_FILES_ABOUT}\n")
    return "".join(parts)


def data_download_file_name(user, now: datetime) -> str:
    return f"mnemo-data-{slugify(user.get_username()) or 'account'}-{now:%Y-%m-%d}.zip"


def data_download_stream(*, user) -> Iterator[bytes]:
    """The zip's bytes, in pieces: README.txt, one CSV per table, then each owned deck's own files."""
    archive = ZipStream(compress_type=ZIP_DEFLATED)
    archive.add(readme_text(), README_NAME)
    for table in DOWNLOAD_TABLES:
        archive.add(_csv_pieces(table, user), table.file_name)
    for deck in top_owned_decks(user):
        name = f"decks/{slugify(deck.title)[:60] or 'deck'}-{deck.uuid.hex[:8]}"
        for export_format, suffix in EXPORT_FORMATS.items():
            archive.add(_deck_file_pieces(deck, export_format, user=user), name + suffix)
    yield from archive


def table_rows(table: Table, user) -> Iterator[tuple]:
    """The table's rows for the user, in column order, fetched a chunk at a time."""
    rows = table.rows(user)
    if isinstance(rows, QuerySet):
        rows = rows.values_list(*(column.path for column in table.columns)).iterator(chunk_size=ROWS_PER_FETCH)
    yield from rows


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


# How each type of value is written (anything else as ``str``), looked up by exact type: a cell is formatted
# millions of times in a large account's download.
CELL_TEXT = {
    type(None): lambda value: "",
    str: lambda value: value,
    bool: lambda value: "true" if value else "false",
    datetime: lambda value: value.astimezone(timezone.utc).isoformat(),
    list: _json,
    dict: _json,
}


def _cell(value) -> str:
    return CELL_TEXT.get(type(value), str)(value)


def _csv_pieces(table: Table, user) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.name for column in table.columns])
    for row in table_rows(table, user):
        writer.writerow([_cell(value) for value in row])
        if buffer.tell() >= PIECE_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def top_owned_decks(user) -> QuerySet:
    """The user's live decks that are not below another deck of theirs: each one's export holds the decks below it."""
    return (
        Deck.objects.filter(owner=user)
        .exclude(parent__owner=user, parent__deleted_at__isnull=True)
        .order_by("title", "id")
    )


def _deck_file_pieces(deck: Deck, export_format: str, *, user) -> Iterator[bytes]:
    """The deck and those below it as the deck export writes them (an .apkg with the user's history), read back from a temporary file."""
    with tempfile.TemporaryDirectory(prefix="mnemo-data-") as scratch:
        target = Path(scratch) / f"deck{EXPORT_FORMATS[export_format]}"
        deck_export_to_file(deck=deck, export_format=export_format, target=target, viewer=user, learner=user)
        with open(target, "rb") as handle:
            while piece := handle.read(PIECE_BYTES):
                yield piece
