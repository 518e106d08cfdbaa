"""Read cards from CSV or TSV: delimiter and header detected, UTF-8 with or without BOM.

Columns are front, back and optionally tags (commas or spaces between tags). A first row
naming ``front`` and ``back`` is a header and may put the columns in any order, and may
name a ``deck`` column: the deck below the imported one that the card goes to
(``Spanish::Verbs``; empty for the imported deck itself), as Mnemo's CSV export writes
it. Without a header the columns are front, back, tags, in that order.
"""

import csv
from pathlib import Path

from apps.cards.content import parse_tags
from apps.cards.deck_files.limits import ImportLimits
from apps.cards.deck_files.records import CardRow, DeckFile, DeckFileError

COLUMNS = ("front", "back", "tags")
HEADER_COLUMNS = (*COLUMNS, "deck")
DELIMITERS = ",\t;"
SNIFF_CHARS = 64 * 1024


def read_tabular(path: Path, *, limits: ImportLimits, title: str = "") -> DeckFile:
    """Every card of the file, or DeckFileError naming the first bad line."""
    text = _decoded(path)
    if not text.strip():
        raise DeckFileError("the file holds no cards")
    try:
        reader = csv.reader(text.splitlines(keepends=True), delimiter=_delimiter(text, path))
        rows = list(_card_rows(reader, limits, title or path.stem))
    except csv.Error as error:
        raise DeckFileError(f"line {reader.line_num}: {error}") from error
    if not rows:
        raise DeckFileError("the file holds no cards")
    return DeckFile(title=title or path.stem, cards=rows, note_count=len(rows))


def _decoded(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise DeckFileError(f"line {line}: not UTF-8 text (byte {data[error.start]:#04x}); save the file as UTF-8") from error


def _delimiter(text: str, path: Path) -> str:
    """The delimiter csv.Sniffer finds among comma, tab and semicolon; tab for .tsv, else comma, when unsure."""
    try:
        return csv.Sniffer().sniff(text[:SNIFF_CHARS], delimiters=DELIMITERS).delimiter
    except csv.Error:
        return "\t" if path.suffix.lower() in (".tsv", ".tab") else ","


def _card_rows(reader, limits: ImportLimits, title: str):
    columns, width, count = None, len(COLUMNS), 0
    for record in reader:
        if not any(field.strip() for field in record):
            continue
        if columns is None:
            columns = _header_columns(record)
            if columns is not None:
                width = len(record)
                continue
            columns = {name: index for index, name in enumerate(COLUMNS)}
        if len(record) > width:
            raise DeckFileError(f"line {reader.line_num}: {len(record)} fields, more than the {width} columns")
        count += 1
        if count > limits.max_cards:
            raise DeckFileError(f"line {reader.line_num}: more than {limits.max_cards} cards; split the file")
        yield _card_row(reader.line_num, record, columns, title)


def _header_columns(record: list[str]) -> dict[str, int] | None:
    """Column positions when the row is a header (it names front and back), else None."""
    names = [field.strip().lower() for field in record]
    if "front" not in names or "back" not in names:
        return None
    return {name: names.index(name) for name in HEADER_COLUMNS if name in names}


def _card_row(line: int, record: list[str], columns: dict[str, int], title: str) -> CardRow:
    """The card of one row; a deck below the imported one is named from the file's deck, as an Anki package names it."""
    def field(name: str) -> str:
        index = columns.get(name)
        return record[index].strip() if index is not None and index < len(record) else ""

    front, back = field("front"), field("back")
    if not front or not back:
        raise DeckFileError(f"line {line}: front and back must both be filled in")
    try:
        tags = parse_tags(field("tags"))
    except ValueError as error:
        raise DeckFileError(f"line {line}: {error}") from error
    subdeck = field("deck")
    return CardRow(front=front, back=back, tags=tags, source=f"line {line}", subdeck=f"{title}::{subdeck}" if subdeck else "")
