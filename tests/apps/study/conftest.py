"""Shared pieces for the study tests: a reversed note (two sibling cards), the next card a learner is shown, answering it."""

import uuid

import pytest

from apps.cards.note_services import note_create, note_type_builtin
from apps.cards.services import deck_create
from apps.study.services import shown_card_choose_next, study_log_record


@pytest.fixture
def spanish_deck(owner):
    """The owner's deck of one "Basic (and reversed card)" note: two sibling cards, perro -> dog and dog -> perro."""
    deck = deck_create(owner=owner, title="Spanish")
    note_create(owner=owner, deck=deck, note_type=note_type_builtin(name="Basic (and reversed card)"), field_values=["perro", "dog"], tags=[])
    return deck


@pytest.fixture
def show_next():
    """show(learner, deck, now) -> the card now shown to the learner (None when nothing is left)."""

    def show(learner, deck, now):
        shown = shown_card_choose_next(learner=learner, deck=deck, now=now)
        return None if shown is None else shown.card

    return show


@pytest.fixture
def answer():
    """answer(learner, deck, grade, now) -> the card shown and answered with ``grade`` at ``now``."""

    def answer_next(learner, deck, grade, now):
        shown = shown_card_choose_next(learner=learner, deck=deck, now=now)
        study_log_record(learner=learner, card=shown.card, log_uuid=uuid.uuid4(), grade=grade, response_ms=1000, shown_uuid=shown.uuid, now=now)
        return shown.card

    return answer_next


@pytest.fixture
def unlimited(private_deck, set_preset):
    """The owner's private deck lets them study as many new cards as there are today."""
    return set_preset(private_deck, new_per_day=1000)
