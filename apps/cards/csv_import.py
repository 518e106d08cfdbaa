"""Read cards from CSV (columns front, back, tags with '|' between tags), refusing bad rows by line."""

import csv
from dataclasses import dataclass
from pathlib import Path

from apps.cards.content import parse_tags
from apps.cards.rendering import card_text_problem

REQUIRED_COLUMNS = ("front", "back", "tags")
TAG_SEPARATOR = "|"


class CardImportError(ValueError):
    """A CSV that cannot be imported; the message names the line."""


@dataclass(frozen=True)
class CardRow:
    front: str
    back: str
    tags: list[str]
    line: int


def read_cards_csv(path: Path) -> list[CardRow]:
    """Every card of the file, or CardImportError naming the first bad line."""
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [column for column in REQUIRED_COLUMNS if column not in (reader.fieldnames or ())]
            if missing:
                raise CardImportError(f"{path}: line 1: missing column(s) {', '.join(missing)}")
            return [_card_row(path, reader.line_num, record) for record in reader]
    except (UnicodeDecodeError, csv.Error) as error:
        raise CardImportError(f"{path}: not a readable UTF-8 CSV file: {error}") from error


def _card_row(path: Path, line: int, record: dict) -> CardRow:
    if None in record:
        raise CardImportError(f"{path}: line {line}: more fields than the header's columns")
    front = (record["front"] or "").strip()
    back = (record["back"] or "").strip()
    if not front or not back:
        raise CardImportError(f"{path}: line {line}: front and back must both be filled in")
    for side, text in (("front", front), ("back", back)):
        problem = card_text_problem(text)
        if problem:
            raise CardImportError(f"{path}: line {line}: {side}: {problem}")
    try:
        tags = parse_tags(record["tags"] or "", TAG_SEPARATOR)
    except ValueError as error:
        raise CardImportError(f"{path}: line {line}: {error}") from error
    return CardRow(front=front, back=back, tags=tags, line=line)
