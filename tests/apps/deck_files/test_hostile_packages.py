"""Hostile Anki packages: each gets a clear message or a safe repair, and what is refused writes nothing."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.cards.deck_names import DECK_NAME_MAX_CHARS
from apps.cards.models import Card, Deck, Note, NoteType
from apps.study.models import CardMark
from knowledge_tracing.anki.records import Card as AnkiCard
from knowledge_tracing.anki.records import Deck as AnkiDeck
from knowledge_tracing.anki.records import NoteType as AnkiNoteType
from knowledge_tracing.anki.records import Template
from tests.apps.deck_files.conftest import import_deck
from tests.apps.deck_files.crafted import BASIC, CLOZE, card, note, package

def good_note():
    return note(1, 10, "hola", "hello"), card(1, 1)


def test_a_template_nested_too_deep_skips_its_note_type_and_keeps_the_rest(db, owner, tmp_path):
    deep = "".join("{{#Front}}" for _ in range(50)) + "x" + "".join("{{/Front}}" for _ in range(50))
    nested = AnkiNoteType(id=30, name="Nested", kind="standard", fields=("Front", "Back"), templates=(Template("Card 1", deep, "{{Back}}"),))
    plain_note, plain_card = good_note()
    path = package(tmp_path, note_types=[BASIC, nested], notes=[plain_note, note(2, 30, "a", "b")], cards=[plain_card, card(2, 2)])
    summary = import_deck(path, owner)
    assert summary["cards"] == 1 and Note.objects.filter(owner=owner).count() == 1
    assert any(line.startswith("note type 'Nested': card template 'Card 1'") and "its 1 notes are skipped" in line for line in summary["skipped"])


def test_a_side_that_grows_without_end_skips_its_note(db, owner, tmp_path):
    """{{FrontSide}} a thousand times over a long field: the side passes the renderer's limit and the note is left out."""
    echo = AnkiNoteType(
        id=40, name="Echo", kind="standard", fields=("Front", "Back"), templates=(Template("Card 1", "{{Front}}", "{{FrontSide}}" * 1000),)
    )
    plain_note, plain_card = good_note()
    path = package(tmp_path, note_types=[BASIC, echo], notes=[plain_note, note(3, 40, "y" * 5000, "b")], cards=[plain_card, card(3, 3)])
    summary = import_deck(path, owner)
    assert summary["cards"] == 1
    assert any(line.startswith("note 3 card 1:") and "skipped" in line for line in summary["skipped"])


def test_a_cloze_with_500_numbers_is_skipped_with_the_reason(db, owner, tmp_path):
    text = " ".join(f"{{{{c{number}::w{number}}}}}" for number in range(1, 501))
    plain_note, plain_card = good_note()
    cloze_cards = [card(1000 + number, 5, number) for number in range(500)]
    path = package(tmp_path, note_types=[BASIC, CLOZE], notes=[plain_note, note(5, 20, text, "")], cards=[plain_card, *cloze_cards])
    summary = import_deck(path, owner)
    assert summary["cards"] == 1
    assert "note 5: 500 cards, more than the 100 a note may have; skipped" in summary["skipped"]


def test_a_note_type_with_200_fields_refuses_the_package_and_writes_nothing(db, owner, tmp_path):
    wide = AnkiNoteType(id=50, name="Wide", kind="standard", fields=tuple(f"F{index}" for index in range(200)), templates=(Template("Card 1", "{{F0}}", "{{F1}}"),))
    plain_note, plain_card = good_note()
    path = package(tmp_path, note_types=[BASIC, wide], notes=[plain_note], cards=[plain_card])
    with pytest.raises(CommandError, match="note type 'Wide' has 200 fields, more than the 100 allowed"):
        call_command("import_deck", str(path), "--owner", owner.username, stdout=StringIO())
    assert not Deck.objects.filter(owner=owner).exists() and not Note.objects.exists() and not NoteType.objects.filter(owner=owner).exists()


def test_a_deck_name_5000_characters_long_is_shortened_and_reported(db, owner, tmp_path):
    long_name = "Languages::" + "x" * 5000
    plain_note, _ = good_note()
    path = package(tmp_path, note_types=[BASIC], notes=[plain_note], cards=[card(1, 1, deck_id=7)], decks={7: AnkiDeck(id=7, name=long_name)})
    summary = import_deck(path, owner)
    deck = Card.objects.get(deck__owner=owner).deck
    assert len(deck.title) <= DECK_NAME_MAX_CHARS and deck.title.startswith("Languages::xxx") and deck.parent.title == "Languages"
    assert any(line.startswith("deck 'Languages::xxxxx") and "renamed" in line for line in summary["skipped"])


def test_a_template_with_javascript_is_kept_as_text_and_never_reaches_the_card(db, owner, tmp_path):
    scripted = AnkiNoteType(
        id=60, name="Scripted", kind="standard", fields=("Front", "Back"),
        templates=(Template("Card 1", "{{Front}}<script>fetch('/api/v1/decks')</script>", "{{Back}}<img src=x onerror=alert(1)>"),),
    )
    path = package(tmp_path, note_types=[scripted], notes=[note(6, 60, "uno", "one")], cards=[card(6, 6)])
    summary = import_deck(path, owner)
    imported = Card.objects.get(deck__owner=owner)
    assert "<script" not in imported.front and "onerror" not in imported.back and "fetch" not in imported.front
    assert "<script>" in NoteType.objects.get(owner=owner, name="Scripted").templates.get().front_template
    assert "note type 'Scripted': its templates hold JavaScript, kept for export but never run" in summary["skipped"]


def test_suspended_and_buried_cards_are_imported_as_the_learners_marks(db, owner, tmp_path):
    notes = [note(index, 10, f"q{index}", f"a{index}") for index in (1, 2, 3)]
    cards = [
        AnkiCard(id=1, note_id=1, ord=0, deck_id=2, state="new", new_position=1, suspended=True),
        AnkiCard(id=2, note_id=2, ord=0, deck_id=2, state="new", new_position=2, buried=True),
        card(3, 3),
    ]
    summary = import_deck(package(tmp_path, note_types=[BASIC], notes=notes, cards=cards), owner)
    assert summary["cards"] == 3 and summary["skipped"] == []
    marks = CardMark.objects.filter(learner=owner)
    assert sorted((mark.card.front, mark.suspended, mark.buried_until is not None) for mark in marks) == [("q1", True, False), ("q2", False, True)]
