"""A learner's card marks: suspended and buried cards are not studied, siblings are buried after an answer, flags; strangers get 404."""

import uuid
from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from apps.cards.access import cards_for_study
from apps.cards.models import Card
from apps.study.mark_services import card_bury, card_flag, card_suspend, card_unbury, card_unsuspend
from apps.study.models import CardMark, CardState
from apps.study.selectors import cards_excluded_from_study, start_of_next_day
from apps.study.services import study_log_record, study_log_undo_last, study_session_next, study_session_start


def _first_card(deck):
    return Card.objects.filter(deck=deck).order_by("id").first()


def test_a_suspended_card_is_never_shown_until_unsuspended(owner, private_deck, show_next):
    now = timezone.now()
    first = _first_card(private_deck)
    assert show_next(owner, private_deck, now) == first
    card_suspend(learner=owner, cards=first)
    assert show_next(owner, private_deck, now + timedelta(days=3)) != first  # the pending showing of a suspended card is dropped too
    card_unsuspend(learner=owner, cards=first)
    assert first.pk not in set(cards_excluded_from_study(learner=owner, now=now).values_list("card_id", flat=True))


def test_a_buried_card_comes_back_on_the_learners_next_day(owner, spanish_deck, show_next):
    now = timezone.now()
    perro, dog = Card.objects.filter(deck=spanish_deck).order_by("ord")
    card_bury(learner=owner, cards=[perro, dog], now=now)
    assert CardMark.objects.get(learner=owner, card=perro).buried_until == start_of_next_day(now)
    assert show_next(owner, spanish_deck, now) is None
    assert show_next(owner, spanish_deck, start_of_next_day(now)) == perro


def test_unburying_brings_the_card_back_today(owner, spanish_deck, show_next):
    now = timezone.now()
    perro, dog = Card.objects.filter(deck=spanish_deck).order_by("ord")
    card_bury(learner=owner, cards=[perro, dog], now=now)
    card_unbury(learner=owner, cards=dog)
    assert show_next(owner, spanish_deck, now) == dog


def test_answering_a_card_buries_its_siblings_until_the_next_day(owner, spanish_deck, answer, show_next):
    now = timezone.now()
    perro, dog = Card.objects.filter(deck=spanish_deck).order_by("ord")
    assert answer(owner, spanish_deck, 4, now) == perro
    assert CardMark.objects.get(learner=owner, card=dog).buried_until == start_of_next_day(now)
    assert not CardMark.objects.filter(card=perro).exists()
    assert show_next(owner, spanish_deck, now + timedelta(minutes=1)) is None
    assert show_next(owner, spanish_deck, start_of_next_day(now)) == dog


def test_a_sibling_in_learning_steps_is_not_buried(owner, spanish_deck, answer):
    now = timezone.now()
    perro, dog = Card.objects.filter(deck=spanish_deck).order_by("ord")
    CardState.objects.create(
        learner=owner, card=dog, deck=spanish_deck, state=CardState.State.LEARNING, step=0,
        due_at=now + timedelta(minutes=5), last_review_at=now, first_studied_at=now,
    )
    assert answer(owner, spanish_deck, 3, now) == perro
    assert not CardMark.objects.exists()


def _answer_in_session(learner, deck, grade, now):
    """Start a session of ``deck``, answer its first card with ``grade`` at ``now``: (session, card)."""
    session = study_session_start(learner=learner, deck=deck, now=now)
    shown = study_session_next(session=session, now=now)
    study_log_record(learner=learner, card=shown.card, log_uuid=uuid.uuid4(), grade=grade, response_ms=900, shown_uuid=shown.uuid, now=now)
    return session, shown.card


def test_undoing_an_answer_unburies_the_siblings_it_buried(owner, spanish_deck, show_next):
    now = timezone.now()
    perro, dog = Card.objects.filter(deck=spanish_deck).order_by("ord")
    session, answered = _answer_in_session(owner, spanish_deck, 4, now)
    assert answered == perro and CardMark.objects.get(card=dog).buried_until is not None
    study_log_undo_last(session=session, now=now + timedelta(seconds=5))
    assert CardMark.objects.get(card=dog).buried_until is None
    assert dog.pk not in set(cards_excluded_from_study(learner=owner, now=now).values_list("card_id", flat=True))


def test_undoing_an_answer_keeps_a_sibling_buried_by_hand(owner, spanish_deck):
    now = timezone.now()
    perro, dog = Card.objects.filter(deck=spanish_deck).order_by("ord")
    card_bury(learner=owner, cards=dog, now=now)
    session, _ = _answer_in_session(owner, spanish_deck, 4, now)
    study_log_undo_last(session=session, now=now + timedelta(seconds=5))
    assert CardMark.objects.get(card=dog).buried_until == start_of_next_day(now)


def test_a_sibling_buried_by_hand_after_the_answer_stays_buried_after_its_undo(owner, spanish_deck):
    now = timezone.now()
    perro, dog = Card.objects.filter(deck=spanish_deck).order_by("ord")
    session, _ = _answer_in_session(owner, spanish_deck, 4, now)
    card_bury(learner=owner, cards=dog, now=now)
    study_log_undo_last(session=session, now=now + timedelta(seconds=5))
    assert CardMark.objects.get(card=dog).buried_until == start_of_next_day(now)


def test_flags_are_ankis_seven_colours_or_none(owner, private_deck):
    first = _first_card(private_deck)
    card_flag(learner=owner, cards=first, flag=CardMark.Flag.RED)
    assert CardMark.objects.get(learner=owner, card=first).get_flag_display() == "Red"
    card_flag(learner=owner, cards=[first], flag=7)
    assert CardMark.objects.get(learner=owner, card=first).flag == CardMark.Flag.PURPLE
    card_flag(learner=owner, cards=first, flag=0)
    assert CardMark.objects.get(learner=owner, card=first).flag == CardMark.Flag.NONE
    for wrong in (8, -1, True, "1"):
        with pytest.raises(ValueError):
            card_flag(learner=owner, cards=first, flag=wrong)
    assert CardMark.objects.get(learner=owner, card=first).flag == CardMark.Flag.NONE


def test_a_flag_alone_does_not_keep_a_card_out_of_study(owner, private_deck, show_next):
    first = _first_card(private_deck)
    card_flag(learner=owner, cards=first, flag=1)
    assert show_next(owner, private_deck, timezone.now()) == first


@pytest.mark.parametrize("mark", [
    lambda learner, cards: card_suspend(learner=learner, cards=cards),
    lambda learner, cards: card_bury(learner=learner, cards=cards),
    lambda learner, cards: card_flag(learner=learner, cards=cards, flag=2),
    lambda learner, cards: card_unsuspend(learner=learner, cards=cards),
])
def test_a_stranger_cannot_mark_a_private_card_and_nothing_is_written(other_learner, private_deck, public_deck, mark):
    cards = [_first_card(public_deck), _first_card(private_deck)]
    with pytest.raises(Http404):
        mark(other_learner, cards)
    assert not CardMark.objects.exists()


def test_marks_are_each_learners_own(owner, other_learner, public_deck, show_next):
    card = _first_card(public_deck)
    card_suspend(learner=other_learner, cards=card)
    assert show_next(owner, public_deck, timezone.now()) == card
    assert show_next(other_learner, public_deck, timezone.now()) != card


def test_cards_for_study_refuses_the_whole_request_for_one_strangers_card(other_learner, private_deck, public_deck):
    public_card, private_card = _first_card(public_deck), _first_card(private_deck)
    assert cards_for_study(other_learner, [str(public_card.uuid)]) == [public_card]
    for wanted in ([public_card.uuid, private_card.uuid], [public_card.uuid, "not-a-uuid"]):
        with pytest.raises(Http404):
            cards_for_study(other_learner, wanted)
