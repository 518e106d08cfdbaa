"""Card state <-> the ``fsrs`` package: apply one answer, or replay a card's live logs.

Fuzzing is off so that replaying the logs after an undo reproduces exactly the state
that the answers produced in the first place.
"""

from datetime import datetime
from datetime import timezone as dt_timezone
from functools import lru_cache

from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler, State

from apps.study.models import CardState


@lru_cache(maxsize=64)
def scheduler_for(target_retention: float) -> Scheduler:
    """The FSRS-6 scheduler (default parameters) aiming at the learner's target retention."""
    return Scheduler(desired_retention=target_retention, enable_fuzzing=False)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(dt_timezone.utc)


def _fsrs_card(state: CardState | None) -> FsrsCard:
    if state is None:
        return FsrsCard(card_id=0)
    return FsrsCard(
        card_id=0,
        state=State(state.state),
        step=state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=_utc(state.due_at),
        last_review=_utc(state.last_review_at),
    )


def apply_answer(state: CardState, *, existing: bool, grade: int, answered_at: datetime, target_retention: float) -> None:
    """Update ``state`` in place for one answer (``existing`` False for a card's first answer)."""
    before = _fsrs_card(state if existing else None)
    after, _ = scheduler_for(target_retention).review_card(before, Rating(grade), review_datetime=_utc(answered_at))
    if not existing:
        state.first_studied_at = answered_at
        state.reps = 0
        state.lapses = 0
    state.reps += 1
    if grade == 1 and before.state == State.Review:
        state.lapses += 1
    state.state = int(after.state)
    state.step = after.step
    state.stability = after.stability
    state.difficulty = after.difficulty
    state.due_at = after.due
    state.last_review_at = answered_at


def replay_answers(state: CardState, answers: list[tuple[int, datetime]], *, target_retention: float) -> None:
    """Rebuild ``state`` from scratch from (grade, answered_at) pairs in answer order."""
    for index, (grade, answered_at) in enumerate(answers):
        apply_answer(state, existing=index > 0, grade=grade, answered_at=answered_at, target_retention=target_retention)
