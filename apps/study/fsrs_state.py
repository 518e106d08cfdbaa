"""Card state <-> the ``fsrs`` package: when a card is due after each grade, apply one answer, replay a card's logs.

``scheduled_after`` is the one computation of a card's next FSRS state after a grade:
the grade buttons' "comes back in" (``apps.study.schedule.grade_schedule``, through
``scheduled_by_grade``) and the recorded answer (``apply_answer``) both read it, so
what a button promises is what the answer does.
Fuzzing is off so that replaying the logs after an undo reproduces exactly the state
that the answers produced in the first place.

The ``fsrs`` package is Mnemo's one authority for scheduling state (due dates,
stability, difficulty): it is the reference implementation Anki's scheduler follows.
The library's NumPy replay (``knowledge_tracing.history.fsrs_memory``, for models,
features and dashboards over whole tables) is held equal to it on a real review log.
"""

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from functools import lru_cache

from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler, State

from apps.study.models import CardState, StudyLog, StudyPreset
from apps.study.presets import steps_parse


@lru_cache(maxsize=64)
def scheduler_for(
    target_retention: float,
    learning_steps: tuple[timedelta, ...] = (timedelta(minutes=1), timedelta(minutes=10)),
    relearning_steps: tuple[timedelta, ...] = (timedelta(minutes=10),),
) -> Scheduler:
    """The FSRS-6 scheduler (default parameters) aiming at ``target_retention`` with these (re)learning steps."""
    return Scheduler(
        desired_retention=target_retention, learning_steps=learning_steps, relearning_steps=relearning_steps, enable_fuzzing=False
    )


def preset_scheduler(preset: StudyPreset) -> Scheduler:
    """The scheduler of the cards of decks that use ``preset``: its target retention and steps."""
    return scheduler_for(preset.target_retention, steps_parse(preset.learning_steps), steps_parse(preset.relearning_steps))


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


def scheduled_after(state: CardState | None, *, grade: int, answered_at: datetime, scheduler: Scheduler) -> FsrsCard:
    """The card's FSRS state after ``grade`` at ``answered_at`` (``state`` None: a card never studied)."""
    after, _ = scheduler.review_card(_fsrs_card(state), Rating(grade), review_datetime=_utc(answered_at))
    return after


def scheduled_by_grade(state: CardState | None, *, answered_at: datetime, scheduler: Scheduler) -> dict[int, FsrsCard]:
    """The card's FSRS state after each grade (1 Again ... 4 Easy), answered at ``answered_at``."""
    return {grade: scheduled_after(state, grade=grade, answered_at=answered_at, scheduler=scheduler) for grade in StudyLog.Grade.values}


def apply_answer(state: CardState, *, existing: bool, grade: int, answered_at: datetime, scheduler: Scheduler) -> None:
    """Update ``state`` in place for one answer (``existing`` False for a card's first answer)."""
    before_state = State(state.state) if existing else None
    after = scheduled_after(state if existing else None, grade=grade, answered_at=answered_at, scheduler=scheduler)
    if not existing:
        state.first_studied_at = answered_at
        state.reps = 0
        state.lapses = 0
    state.reps += 1
    if grade == 1 and before_state == State.Review:
        state.lapses += 1
    state.state = int(after.state)
    state.step = after.step
    state.stability = after.stability
    state.difficulty = after.difficulty
    state.due_at = after.due
    state.last_review_at = answered_at


def replay_answers(state: CardState, answers: list[tuple[int, datetime]], *, scheduler: Scheduler) -> None:
    """Rebuild ``state`` from scratch from (grade, answered_at) pairs in answer order."""
    for index, (grade, answered_at) in enumerate(answers):
        apply_answer(state, existing=index > 0, grade=grade, answered_at=answered_at, scheduler=scheduler)
