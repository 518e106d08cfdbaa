"""Choosing the next card: FSRS-6 state after each answer, due reviews first, daily limits, undo replay."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler

from apps.study.models import CardState, StudyLog
from apps.study.services import shown_card_choose_next, study_log_record, study_log_undo_last, study_session_start


def _answer_next(learner, deck, grade, *, now, session=None):
    shown = shown_card_choose_next(learner=learner, deck=deck, session=session, now=now)
    study_log_record(
        learner=learner, card=shown.card, log_uuid=uuid.uuid4(), grade=grade, response_ms=900,
        shown_uuid=shown.uuid, now=now,
    )
    return shown.card


def test_card_state_follows_the_fsrs_scheduler_answer_by_answer(owner, private_deck):
    start = timezone.now()
    card = _answer_next(owner, private_deck, 3, now=start)
    later = start + timedelta(days=3)
    shown = shown_card_choose_next(learner=owner, deck=private_deck, now=later)
    assert shown.card == card  # the only studied card, due again, comes before new cards
    study_log_record(learner=owner, card=card, log_uuid=uuid.uuid4(), grade=1, response_ms=500, shown_uuid=shown.uuid, now=later)

    scheduler = Scheduler(desired_retention=0.9, enable_fuzzing=False)  # the Default preset's
    expected, _ = scheduler.review_card(FsrsCard(card_id=1), Rating.Good, review_datetime=start)
    expected, _ = scheduler.review_card(expected, Rating.Again, review_datetime=later)
    state = CardState.objects.get(learner=owner, card=card)
    assert state.stability == pytest.approx(expected.stability)
    assert state.difficulty == pytest.approx(expected.difficulty)
    assert state.due_at == expected.due
    assert (state.reps, state.state) == (2, int(expected.state))


def test_the_longest_overdue_review_comes_first(owner, private_deck):
    start = timezone.now() - timedelta(days=30)
    first = _answer_next(owner, private_deck, 3, now=start)
    second = _answer_next(owner, private_deck, 1, now=start + timedelta(minutes=1))
    states = {state.card_id: state.due_at for state in CardState.objects.all()}
    assert states[second.id] < states[first.id]  # Again is due sooner than Good
    assert shown_card_choose_next(learner=owner, deck=private_deck).card == second


def test_new_cards_stop_at_the_daily_limit(owner, private_deck, set_preset):
    set_preset(private_deck, new_per_day=2)
    now = timezone.now()
    _answer_next(owner, private_deck, 4, now=now)
    _answer_next(owner, private_deck, 4, now=now)
    assert shown_card_choose_next(learner=owner, deck=private_deck, now=now) is None
    assert shown_card_choose_next(learner=owner, deck=private_deck, now=now + timedelta(days=1)) is not None


def test_reviews_stop_at_the_daily_limit(owner, private_deck, set_preset):
    set_preset(private_deck, reviews_per_day=1, new_per_day=2)
    # Noon, so that the answers and the check an hour later fall on the same study day whenever the suite runs.
    day_one = timezone.localtime(timezone.now() - timedelta(days=60)).replace(hour=12, minute=0, second=0, microsecond=0)
    _answer_next(owner, private_deck, 4, now=day_one)  # Easy: out of learning steps, due again in days
    _answer_next(owner, private_deck, 4, now=day_one)
    set_preset(private_deck, new_per_day=0)
    review_time = day_one + timedelta(days=40)  # both are due
    _answer_next(owner, private_deck, 3, now=review_time)  # a review: the card was studied already
    assert StudyLog.objects.count() == 3
    assert shown_card_choose_next(learner=owner, deck=private_deck, now=review_time + timedelta(hours=1)) is None


def test_undo_replays_the_remaining_answers(owner, private_deck):
    session = study_session_start(learner=owner, deck=private_deck)
    start = timezone.now() - timedelta(days=5)
    card = _answer_next(owner, private_deck, 3, now=start, session=session)
    after_first = CardState.objects.values("stability", "difficulty", "due_at", "reps", "lapses").get(card=card)
    assert _answer_next(owner, private_deck, 1, now=start + timedelta(days=3), session=session) == card
    assert CardState.objects.get(card=card).reps == 2

    study_log_undo_last(session=session)
    assert CardState.objects.values("stability", "difficulty", "due_at", "reps", "lapses").get(card=card) == after_first
    study_log_undo_last(session=session)
    assert not CardState.objects.filter(card=card).exists()
    assert StudyLog.objects.count() == 2 and StudyLog.objects.live().count() == 0


def test_study_logs_cannot_be_updated_or_deleted(owner, private_deck):
    _answer_next(owner, private_deck, 3, now=timezone.now())
    log = StudyLog.objects.get()
    log.grade = 4
    with pytest.raises(TypeError, match="append-only"):
        log.save()
    with pytest.raises(TypeError, match="append-only"):
        log.delete()
    with pytest.raises(TypeError, match="append-only"):
        StudyLog.objects.filter(pk=log.pk).update(grade=4)
    with pytest.raises(TypeError, match="append-only"):
        StudyLog.objects.all().delete()
    assert StudyLog.objects.get().grade == 3
