"""Read every real Anki file, write it back with Mnemo's writer: Anki's own library finds the same collection."""

import pytest

from knowledge_tracing.anki.reader import open_anki_file, read_collection
from knowledge_tracing.anki.writer import write_package
from tests.anki_truth import REAL_ANKI_DATA, REAL_FILES, anki_view


@pytest.mark.parametrize("name", REAL_FILES)
def test_a_real_file_written_back_opens_in_anki_with_the_same_notes_cards_decks_reviews_and_media(name, tmp_path):
    original = REAL_ANKI_DATA / name
    written = tmp_path / ("written.apkg" if original.suffix == ".apkg" else "written.colpkg")
    with open_anki_file(original) as anki_file:
        write_package(written, anki_file.collection, media=((media, anki_file.read_media(media)) for media in anki_file.media))

    expected, actual = anki_view(original), anki_view(written)
    assert actual.notes == expected.notes
    assert actual.cards == expected.cards
    assert actual.note_types == expected.note_types
    assert actual.decks == expected.decks
    assert actual.revlog == expected.revlog
    assert actual.media == expected.media


def test_written_then_read_gives_the_same_records(tmp_path):
    original = read_collection(REAL_ANKI_DATA / "kedarmhaswade_collection.apkg")
    write_package(tmp_path / "again.apkg", original)
    again = read_collection(tmp_path / "again.apkg")
    assert again.notes == original.notes
    assert again.note_types == original.note_types
    assert [card for card in again.cards] == [card for card in original.cards]
    assert again.reviews == original.reviews
    assert {deck.name for deck in again.decks.values()} == {deck.name for deck in original.decks.values()}


@pytest.mark.parametrize("name", ["../evil.png", "/etc/passwd", "a\\b.png", ""])
def test_a_media_name_that_is_a_path_is_not_written(name, tmp_path):
    collection = read_collection(REAL_ANKI_DATA / "kedarmhaswade_bg-hashtable.colpkg")
    with pytest.raises(ValueError, match="not a plain file name"):
        write_package(tmp_path / "out.apkg", collection, media=[(name, b"x")])
