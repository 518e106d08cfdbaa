"""Learning and relearning steps as in Anki: a card graded Again comes back as soon as its step is over, before new
cards and reviews, and before the session ends."""

import uuid
from datetime import timedelta

from django.utils import timezone

from apps.cards.services import card_create, deck_create
from apps.study.models import CardState
from apps.study.services import study_log_record, study_session_next, study_session_start
from apps.study.selectors import start_of_day


def _noon():
    """Today's noon: steps of minutes stay within the day whenever the suite runs."""
    return start_of_day(timezone.now()) + timedelta(hours=12)


def test_a_card_graded_again_is_next_once_its_one_minute_step_is_over(owner, private_deck, answer, show_next):
    now = _noon()
    failed = answer(owner, private_deck, 1, now)
    assert CardState.objects.get(card=failed).due_at == now + timedelta(minutes=1)
    assert answer(owner, private_deck, 3, now + timedelta(seconds=20)) != failed  # its step runs: a new card
    assert show_next(owner, private_deck, now + timedelta(seconds=61)) == failed  # before new cards


def test_a_learning_card_comes_before_a_review_overdue_for_longer(owner, private_deck, answer, show_next, unlimited):
    month_ago = _noon() - timedelta(days=30)
    first, second = answer(owner, private_deck, 4, month_ago), answer(owner, private_deck, 4, month_ago)  # two reviews
    now = _noon()
    forgotten = answer(owner, private_deck, 1, now)
    overdue = ({first, second} - {forgotten}).pop()
    assert CardState.objects.get(card=overdue).due_at < CardState.objects.get(card=forgotten).due_at
    assert show_next(owner, private_deck, now + timedelta(minutes=10)) == forgotten


def test_a_forgotten_review_relearns_for_ten_minutes_then_comes_first(owner, private_deck, answer, show_next):
    month_ago = _noon() - timedelta(days=30)
    review = answer(owner, private_deck, 4, month_ago)
    now = _noon()
    assert answer(owner, private_deck, 1, now) == review  # the due review first; Again: relearning
    state = CardState.objects.get(card=review)
    assert (state.state, state.due_at, state.lapses) == (CardState.State.RELEARNING, now + timedelta(minutes=10), 1)
    assert show_next(owner, private_deck, now + timedelta(minutes=5)) != review
    answer(owner, private_deck, 3, now + timedelta(minutes=5))
    assert show_next(owner, private_deck, now + timedelta(minutes=10)) == review


def test_when_only_a_running_step_is_left_it_is_shown_rather_than_ending_the_session(owner):
    deck = deck_create(owner=owner, title="One card")
    only = card_create(deck=deck, front="uno", back="one", tags=[])
    session = study_session_start(learner=owner, deck=deck)
    now = _noon()
    shown = study_session_next(session=session, now=now)
    study_log_record(learner=owner, card=only, log_uuid=uuid.uuid4(), grade=1, response_ms=800, shown_uuid=shown.uuid, now=now)
    again = study_session_next(session=session, now=now + timedelta(seconds=3))
    assert again is not None and again.card == only and session.ended_at is None
