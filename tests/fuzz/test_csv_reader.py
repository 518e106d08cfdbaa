"""The CSV/TSV reader answers any file with its cards or a DeckFileError naming the problem; what the export writes, it reads back."""

import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from apps.cards.content import TAG_PATTERN
from apps.cards.deck_files.limits import ImportLimits
from apps.cards.deck_files.reading import read_deck_file
from apps.cards.deck_files.records import CardRow, DeckFileError, NoteRow
from apps.cards.deck_files.tabular_writer import write_notes_csv
from apps.cards.rendering import card_text_problem

LIMITS = ImportLimits(max_upload_bytes=1 << 20, max_cards=50, max_unpacked_bytes=1 << 20, max_review_logs=100)
PIECES = ["front", "back", "tags", ",", ";", "\t", "\"", "\"\"", "\n", "\r\n", "\r", " ", "\ufeff", "a", "é", "ß", "🙂", "\x00", "<b>", "#"]
tabular_text = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), max_size=80).map("".join)
file_bytes = st.one_of(tabular_text.map(lambda text: text.encode("utf-8")), st.binary(max_size=400))


def _read(data: bytes, suffix: str):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"deck{suffix}"
        path.write_bytes(data)
        return read_deck_file(path, limits=LIMITS)


@given(file_bytes, st.sampled_from([".csv", ".tsv", ".txt"]))
def test_any_file_gives_cards_within_the_limits_or_a_reason(data, suffix):
    try:
        deck = _read(data, suffix)
    except DeckFileError as error:
        assert str(error)
        return
    assert 1 <= len(deck.cards) <= LIMITS.max_cards
    for row in deck.cards:
        assert row.front and row.back and row.front == row.front.strip() and row.back == row.back.strip()
        assert card_text_problem(row.front) is None and card_text_problem(row.back) is None
        assert all(TAG_PATTERN.match(tag) for tag in row.tags)


side = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60).map(str.strip).filter(bool)
tag = st.from_regex(TAG_PATTERN, fullmatch=True).map(str.lower).filter(lambda value: len(value) <= 20 and TAG_PATTERN.match(value))


def _write_basic_notes(path: Path, rows: list[CardRow]) -> None:
    """The CSV export of Basic notes holding these cards' text."""
    notes = [NoteRow(note_type="Basic", fields=[("Front", row.front), ("Back", row.back)], tags=row.tags, deck="") for row in rows]
    write_notes_csv(path, notes=notes)


@given(st.lists(st.builds(CardRow, front=side, back=side, tags=st.lists(tag, max_size=3, unique=True), source=st.just("")), min_size=1, max_size=20))
def test_what_the_csv_export_writes_the_reader_reads_back(rows):
    rows = [row for row in rows if card_text_problem(row.front) is None and card_text_problem(row.back) is None]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        _write_basic_notes(path, rows)
        if not rows:
            return
        read = read_deck_file(path, limits=LIMITS).cards
    assert [(row.front, row.back, row.tags) for row in read] == [(row.front, row.back, row.tags) for row in rows]


def test_a_card_whose_text_holds_a_unicode_line_separator_comes_back_whole(tmp_path):
    """Found by the fuzzer: str.splitlines cut rows at \\x1e, \\x85, \\u2028 and the like, inside quoted text."""
    rows = [CardRow(front=f"one{separator}two", back="back", tags=["t"], source="") for separator in "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"]
    path = tmp_path / "export.csv"
    _write_basic_notes(path, rows)
    assert [row.front for row in read_deck_file(path, limits=LIMITS).cards] == [row.front for row in rows]
