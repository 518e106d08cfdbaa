"""A damaged Anki package is imported whole or refused with a reason, and a refusal leaves nothing behind.

The app's path as a user meets it: ``read_deck_file`` (the upload's preview) then
``deck_import_file`` (the import, one transaction). Reading may refuse the file with a
``DeckFileError``; once read, the import must succeed, and what it reports is what it
stored. Any other exception fails the test after checking that it wrote nothing (the
transaction's promise). Base files are those of at most ``MAX_BASE_CARDS`` cards, so
each example takes a fraction of a second.
"""

import dataclasses
import functools
import itertools
import sqlite3
import tempfile
from datetime import datetime
from datetime import timezone as dt_timezone
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from hypothesis import event, given, note

from apps.cards.deck_files.limits import ImportLimits
from apps.cards.deck_files.reading import read_deck_file
from apps.cards.deck_files.records import DeckFileError
from apps.cards.models import Card, Deck, DeckMedia, Note, NoteType
from apps.deck_io.services import deck_import_file
from apps.study.models import StudyLog
from knowledge_tracing.anki.reader import read_collection
from knowledge_tracing.anki.writer import write_package
from tests.fuzz.anki_mutations import base_files, built_collection, collection_bytes, damaged_anki_files

MB = 1024 * 1024
MAX_BASE_CARDS = 100
LIMITS = ImportLimits(max_upload_bytes=16 * MB, max_cards=5_000, max_unpacked_bytes=64 * MB, max_review_logs=20_000)
WRITTEN = (Deck, Note, NoteType, Card, DeckMedia, StudyLog)
learner_numbers = itertools.count()


@functools.cache
def small_files() -> tuple[str, ...]:
    def cards(data: bytes, suffix: str) -> int:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"deck{suffix}"
            path.write_bytes(data)
            return len(read_collection(path).cards)

    return tuple(name for name, data in base_files() if cards(data, Path(name).suffix) <= MAX_BASE_CARDS)


def rows_written() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in WRITTEN}


@pytest.fixture(autouse=True)
def quiet_imports(settings, tmp_path):
    """Imported media go to the test's folder; cards are not embedded as they are saved."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MNEMO_EMBED_CARDS_ON_SAVE = False


@pytest.mark.django_db
@given(damaged_anki_files(names=small_files()))
def test_a_damaged_package_is_imported_whole_or_refused_leaving_nothing(sample):
    note(sample.made)
    learner = get_user_model().objects.create_user(f"fuzzed-{next(learner_numbers)}", password="unused-in-this-test")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"deck{sample.suffix}"
        path.write_bytes(sample.data)
        try:
            deck_file = read_deck_file(path, limits=LIMITS)
        except DeckFileError as error:
            assert str(error)
            event("refused when read")
            return
    before = rows_written()
    try:
        result = deck_import_file(owner=learner, deck_file=deck_file)
    except BaseException:
        assert rows_written() == before, "a failed import left rows behind"
        raise
    event("imported")
    assert Card.objects.filter(note__owner=learner).count() == result.cards
    assert StudyLog.objects.filter(learner=learner).count() == result.review_logs
    assert DeckMedia.objects.filter(deck__owner=learner).count() == result.media


@pytest.mark.django_db
def test_a_package_none_of_whose_notes_can_be_read_is_refused_with_the_reasons(tmp_path):
    """Found by the fuzzer: with its note types gone, a package was imported as an empty deck reporting one media file never stored."""
    before = rows_written()
    path = tmp_path / "built.apkg"
    write_package(path, built_collection(), media=[("a.mp3", b"ID3 not much of a song")])
    sqlite_bytes, put_back = collection_bytes(path.read_bytes())
    with tempfile.TemporaryDirectory() as folder:
        collection = Path(folder) / "collection.anki2"
        collection.write_bytes(sqlite_bytes)
        with sqlite3.connect(collection) as database:
            database.execute("UPDATE col SET models = ?", (b"",))
        database.close()
        path.write_bytes(put_back(collection.read_bytes()))
    with pytest.raises(DeckFileError) as error:
        read_deck_file(path, limits=LIMITS)
    assert str(error.value) == (
        "the file holds no cards that can be imported: 2 notes whose note type is missing; skipped; "
        "4 cards whose note is missing; skipped; 3 review log entries of cards that are not imported"
    )
    assert rows_written() == before


@pytest.mark.django_db
def test_a_review_dated_in_the_far_future_is_left_out_and_the_rest_imported(tmp_path, owner):
    """Found by the fuzzer: a revlog id near the largest integer (the year 9999) overflowed the scheduler's dates while replaying."""
    built = built_collection()
    far = dataclasses.replace(built.reviews[-1], id=2**63 - 1, reviewed_at=datetime(9999, 12, 31, tzinfo=dt_timezone.utc))
    path = tmp_path / "future.apkg"
    write_package(path, dataclasses.replace(built, reviews=[*built.reviews[:-1], far]))
    deck_file = read_deck_file(path, limits=LIMITS)
    result = deck_import_file(owner=owner, deck_file=deck_file)
    assert (result.cards, result.review_logs) == (4, 2)
    assert "1 review log entries dated in the future (a damaged file or clock); left out" in result.skipped


@pytest.mark.django_db
def test_a_card_whose_number_its_note_type_lacks_skips_its_note_with_the_reason(tmp_path, owner):
    """Found by the fuzzer: card ord -1 picked the last template (Python's indexing), then broke the database's check, failing the import."""
    built = built_collection()
    cards = [dataclasses.replace(card, ord=-1) if card.id == 12 else card for card in built.cards]
    path = tmp_path / "negative.apkg"
    write_package(path, dataclasses.replace(built, cards=cards))
    result = deck_import_file(owner=owner, deck_file=read_deck_file(path, limits=LIMITS))
    assert (result.cards, result.notes) == (2, 1)
    assert "note 1 card 0: not a card its note type has (card numbers run from 1 to 2); the note is skipped" in result.skipped
    assert sorted(Card.objects.filter(note__owner=owner).values_list("ord", flat=True)) == [0, 1]


@pytest.mark.django_db
def test_a_second_card_with_the_same_number_is_left_out_and_the_first_kept(tmp_path, owner):
    """Found by the fuzzer: two cards of one note with one ord broke the database's unique check, failing the import."""
    built = built_collection()
    cards = [dataclasses.replace(card, ord=0) if card.id == 12 else card for card in built.cards]
    path = tmp_path / "twice.apkg"
    write_package(path, dataclasses.replace(built, cards=cards))
    result = deck_import_file(owner=owner, deck_file=read_deck_file(path, limits=LIMITS))
    assert (result.cards, result.notes, result.review_logs) == (3, 2, 3)
    assert "note 1 card 1: a second card with this number; left out with its history, the first kept" in result.skipped
