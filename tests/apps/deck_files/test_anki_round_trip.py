"""Every real Anki file in ../shared/data/anki/ comes into Mnemo whole and goes back to Anki whole (Anki's own library judges).

In Mnemo: as many notes, cards, note types and review logs as Anki's library reads, the
deck tree, cloze notes as cloze, reversed notes with both cards on one note. Back out,
as a .colpkg of the learner's whole collection: Anki finds the same notes (fields, tags
as Anki compares them, without case), the same cards on the same notes in the same
decks, the same note types (kind, fields, templates), every answer of the review log
and the media.
"""

from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from apps.cards.models import Card, Deck, DeckMedia, Note, NoteType
from apps.study.models import CardState, StudyLog
from tests.anki_truth import REAL_ANKI_DATA, REAL_FILES, anki_view
from tests.apps.deck_files.conftest import import_deck

ANSWER_KINDS = (0, 1, 2, 3)  # revlog types of answers: learning, review, relearning, filtered (4 is a manual reschedule)


def answers(view) -> list[tuple]:
    return [(guid, ordinal, ease) for _, guid, ordinal, ease, _, kind in view.revlog if 1 <= ease <= 4 and kind in ANSWER_KINDS]


@pytest.fixture
def learner(db):
    return get_user_model().objects.create_user(username="anki-user", password="not-used-here")


@pytest.mark.parametrize("name", REAL_FILES)
def test_a_real_anki_file_comes_in_and_goes_out_whole(name, learner, tmp_path):
    original = REAL_ANKI_DATA / name
    truth = anki_view(original)
    summary = import_deck(original, learner)

    notes = Note.objects.filter(owner=learner)
    cards = Card.objects.filter(deck__owner=learner)
    assert (summary["notes"], notes.count()) == (len(truth.notes), len(truth.notes))
    assert (summary["cards"], cards.count()) == (len(truth.cards), len(truth.cards))
    assert StudyLog.objects.filter(learner=learner).count() == len(answers(truth))
    assert set(Deck.objects.filter(owner=learner).values_list("title", flat=True)) == truth.decks
    assert _mnemo_note_types(learner) == Counter(truth.note_types.values())
    assert set(DeckMedia.objects.filter(deck__owner=learner).values_list("name", flat=True)) == truth.media
    studied = {card for (card,) in StudyLog.objects.filter(learner=learner).values_list("card").distinct()}
    assert studied <= set(CardState.objects.filter(learner=learner).values_list("card", flat=True))

    exported = tmp_path / "collection.colpkg"
    call_command("export_collection", "--owner", learner.username, "--output", str(exported), stdout=StringIO())
    back = anki_view(exported)
    assert _case_free(back.notes) == _case_free(truth.notes)
    assert {key: deck for key, (deck, *_) in back.cards.items()} == {key: deck for key, (deck, *_) in truth.cards.items()}
    assert Counter((kind, fields, templates) for kind, fields, templates in back.note_types.values()) == Counter(truth.note_types.values())
    assert Counter(answers(back)) == Counter(answers(truth))
    assert back.decks == truth.decks
    assert back.media == truth.media


def _mnemo_note_types(learner) -> Counter:
    specs = [note_type.spec() for note_type in NoteType.objects.filter(notes__owner=learner).distinct()]
    return Counter((spec.kind, spec.fields, len(spec.templates)) for spec in specs)


def _case_free(notes: dict) -> dict:
    return {guid: (fields, tuple(sorted(tag.lower() for tag in tags))) for guid, (_, fields, tags) in notes.items()}


def test_cloze_and_reversed_notes_keep_their_structure(learner):
    import_deck(REAL_ANKI_DATA / "kedarmhaswade_collection.apkg", learner)
    reversed_notes = Note.objects.filter(owner=learner, note_type__name__startswith="Basic (and reversed card)")
    assert reversed_notes.exists()
    assert all(sorted(note.cards.values_list("ord", flat=True)) == [0, 1] for note in reversed_notes)
    cloze = Note.objects.filter(owner=learner, note_type__kind="cloze").first()
    ordinals = sorted(cloze.cards.values_list("ord", flat=True))
    assert len(ordinals) >= 1 and all("[...]" in card.front or "cloze" in card.front for card in cloze.cards.all())
