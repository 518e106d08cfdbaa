"""A card's next due time after each grade: one computation for the grade buttons and for the due date an answer stores.

A grade that puts the card in a learning or relearning step brings it back after the
step of its deck's preset (``fsrs_state.next_due_by_grade``), whatever chose it. A grade
that sends the card to review: for a card the served model scheduled (its showing's
policy takes its intervals from the model, ``intervals_from_model``, and the model did
not fail choosing it) the due time is the model's forecast of when the card's predicted
recall falls to the preset's target retention (``knowledge_tracing.policies.intervals``),
so the button, the stored schedule and the forecast are the same number. Otherwise
FSRS-6's due date with the preset's target; also when the version that chose the card
no longer serves, and when the model fails to forecast (logged at ERROR: an answer is
never refused for it). Then the learner's workload tools (``workload.py``: load
balancer, easy days, sibling dispersal) move each interval of 2.5 days or more
within its fuzz window, the same way for the buttons and the answer.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone as dt_timezone

from fsrs import Scheduler, State

from apps.accounts.models import LearnerSettings
from apps.accounts.services import learner_settings_get_or_create
from apps.study.candidate_predictions import learner_evidence
from apps.study.fsrs_state import apply_answer, preset_scheduler, scheduled_by_grade
from apps.study.models import CardState, ShownCard
from apps.study.presets import deck_preset
from apps.study.student_model import ServedModel, active_model
from apps.study.workload import balanced_due_times
from knowledge_tracing.policies import POLICY_REGISTRY
from knowledge_tracing.policies.intervals import GRADES, model_due_times

FSRS_SOURCE = "FSRS"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GradeSchedule:
    """Due time per grade, and what computed them (``FSRS_SOURCE`` or "model <version>")."""

    due_at: dict[int, datetime]
    source: str


def grade_schedule(
    *, shown: ShownCard, state: CardState | None, now: datetime, learner_settings: LearnerSettings, answered: int | None = None
) -> GradeSchedule:
    """When the card of ``shown`` falls due if answered at ``now`` with each grade (``state``: its state before).

    With ``answered`` (the grade given) only that grade is balanced: each grade's day
    is drawn on its own, so it is the day its button showed, without the queries of
    the other grades' windows.
    """
    return _grade_schedule(
        shown=shown, state=state, now=now, learner_settings=learner_settings, answered=answered, scheduler=card_scheduler(shown)
    )


def card_scheduler(shown: ShownCard) -> Scheduler:
    """The FSRS scheduler of the showing's card: its deck's preset (target retention, steps), without loading the deck."""
    return preset_scheduler(deck_preset(shown.card.deck_id))


def _grade_schedule(
    *, shown: ShownCard, state: CardState | None, now: datetime, learner_settings: LearnerSettings, answered: int | None,
    scheduler: Scheduler,
) -> GradeSchedule:
    scheduled = _scheduled(shown=shown, state=state, now=now, scheduler=scheduler)
    due_at = scheduled.due_at if answered is None else {answered: scheduled.due_at[answered]}
    balanced = balanced_due_times(
        due_at, learner_id=shown.learner_id, card_id=shown.card_id,
        answers_before=state.reps if state is not None else 0, now=now, learner_settings=learner_settings,
    )
    return GradeSchedule(balanced, scheduled.source)


def shown_card_schedule(shown: ShownCard, *, now: datetime) -> GradeSchedule:
    """``grade_schedule`` of a showing's card answered at ``now``, from the learner's state and settings now.

    What the study page's grade buttons and the API's next card say about each grade.
    """
    return grade_schedule(
        shown=shown,
        state=CardState.objects.filter(learner_id=shown.learner_id, card_id=shown.card_id).first(),
        now=now,
        learner_settings=learner_settings_get_or_create(user=shown.learner),
    )


def _scheduled(*, shown: ShownCard, state: CardState | None, now: datetime, scheduler: Scheduler) -> GradeSchedule:
    """The policy's own due times, before the workload tools."""
    fsrs = scheduled_by_grade(state, answered_at=now, scheduler=scheduler)
    fsrs_due = {grade: after.due for grade, after in fsrs.items()}
    served = scheduling_model(shown)
    if served is not None:
        try:
            evidence = learner_evidence([shown.card_id], learner=shown.learner, deck=shown.deck, served=served)
            forecast = model_due_times(
                served.model, int(evidence.items[0]), now=now.timestamp(), target=scheduler.desired_retention,
                state=evidence.state, history=evidence.history,
            )
        except Exception:
            logger.exception("model %s failed to forecast the intervals of card %s; FSRS intervals instead", served.version, shown.card_id)
        else:
            model_due = {grade: datetime.fromtimestamp(float(moment), tz=dt_timezone.utc) for grade, moment in zip(GRADES, forecast)}
            in_review = {grade for grade, after in fsrs.items() if after.state == State.Review}
            return GradeSchedule(
                {grade: model_due[grade] if grade in in_review else fsrs_due[grade] for grade in GRADES}, f"model {served.version}"
            )
    return GradeSchedule(fsrs_due, FSRS_SOURCE)


def scheduling_model(shown: ShownCard) -> ServedModel | None:
    """The served model whose intervals schedule this showing's card; None when FSRS's do."""
    policy = POLICY_REGISTRY[shown.policy] if shown.policy in POLICY_REGISTRY else None
    if shown.fallback_reason or not shown.model_version or policy is None or not policy.intervals_from_model:
        return None
    try:
        served = active_model(deck=shown.deck, kind=None, learner=shown.learner)
    except Exception:
        logger.exception("loading the served model to schedule card %s failed; FSRS intervals instead", shown.card_id)
        return None
    return served if served is not None and served.version == shown.model_version else None


def card_state_answer(
    *, state: CardState, existing: bool, shown: ShownCard, grade: int, answered_at: datetime, learner_settings: LearnerSettings
) -> None:
    """Apply an answer to ``state`` in place: FSRS's memory state, and the due date ``grade_schedule`` gives the grade."""
    scheduler = card_scheduler(shown)  # one look-up of the deck's preset for the schedule and the memory state
    schedule = _grade_schedule(
        shown=shown, state=state if existing else None, now=answered_at, learner_settings=learner_settings, answered=grade,
        scheduler=scheduler,
    )
    apply_answer(state, existing=existing, grade=grade, answered_at=answered_at, scheduler=scheduler)
    state.due_at = schedule.due_at[grade]


def interval_words(seconds: float) -> str:
    """An interval as Anki writes it over a grade button: "<1m", "10m", "3h", "4d", "1.5mo", "2y"."""
    for unit, length in (("y", 365 * 86400), ("mo", 30 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= length:
            amount = seconds / length
            return f"{amount:.1f}".removesuffix(".0") + unit if unit in ("y", "mo") else f"{round(amount)}{unit}"
    return "<1m"
