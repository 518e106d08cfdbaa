"""A simulated learner studying a deck day by day under one scheduling policy.

Each day the learner sits down at the same hour with a time budget; the scheduler (which
sees only the learner's answers, never their memory) builds the candidate set the way
the web application does (new cards and the reviews due, daily limits applied, due dates from
the ``fsrs`` package with default parameters, predictions from the student model), the
policy picks a card, the learner answers, and the clock moves on by the response time
plus the time to reveal and grade.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

import numpy as np
from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler, State

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.history.fsrs_memory import SECONDS_PER_DAY
from knowledge_tracing.models.incremental import CandidatePredictions
from knowledge_tracing.policies.base import Candidates, SchedulingPolicy
from knowledge_tracing.policies.load_balance import WorkloadSettings, balanced_due_day
from knowledge_tracing.policies.recall_target import DEFAULT_TARGET_RETENTION
from knowledge_tracing.policies.rules import apply_daily_limits
from knowledge_tracing.simulation.learner import SimulatedLearner

Predictor = Callable[[StudyLogTable, np.ndarray, float], CandidatePredictions]
"""(the learner's log so far, candidate card indices, now) -> predictions for those cards."""

DueForecaster = Callable[[StudyLogTable, int, float, int], float]
"""(the learner's log before the answer, card index, now, grade) -> the card's next due time (a model's intervals)."""


@dataclass(frozen=True)
class StudyPlan:
    """How the simulated learners study.

    Attributes:
        days: number of study days.
        daily_budget_seconds: time spent studying each day (answers plus overhead).
        new_per_day: new cards allowed per day (None: no limit).
        reviews_per_day: reviews of studied cards allowed per day (None: no limit).
        session_hour: hour of the day (UTC) at which each day's session starts.
        overhead_seconds: time per card to reveal the answer and grade it.
        target_retention: the learners' target retention (FSRS due dates).
        review_early: offer every studied card at any time, not only those due. The
            app offers due reviews and new cards (``apps.study.selectors.study_candidates``),
            which is the default; before issue 28 the simulator offered every card,
            so ``delta``, ``recall_target`` and ``random`` could review a card long
            before it fell due and ``fsrs`` could not.
    """

    days: int = 14
    daily_budget_seconds: float = 600.0
    new_per_day: int | None = 20
    reviews_per_day: int | None = None
    session_hour: float = 19.0
    overhead_seconds: float = 4.0
    target_retention: float = DEFAULT_TARGET_RETENTION
    review_early: bool = False


@dataclass
class StudyLog:
    """Every answer a learner gave, with what the scheduler predicted and what memory held."""

    card: list[int] = field(default_factory=list)
    time: list[float] = field(default_factory=list)
    outcome: list[int] = field(default_factory=list)
    grade: list[int] = field(default_factory=list)
    response_ms: list[float] = field(default_factory=list)
    predicted_recall: list[float] = field(default_factory=list)
    simulated_recall: list[float] = field(default_factory=list)
    probability: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.card)


def study_logs_table(logs: list[StudyLog], *, n_cards: int, item_embeddings: np.ndarray | None) -> StudyLogTable:
    """Several learners' logs as one study-log table; learner i is ``logs[i]``, items are card indices."""
    return StudyLogTable.from_columns(
        learner=np.repeat(np.arange(len(logs)), [len(log) for log in logs]),
        item=np.concatenate([np.asarray(log.card, dtype=np.int64) for log in logs]),
        time=np.concatenate([log.time for log in logs]),
        outcome=np.concatenate([log.outcome for log in logs]),
        grade=np.concatenate([log.grade for log in logs]),
        duration_ms=np.concatenate([log.response_ms for log in logs]),
        learner_keys=range(len(logs)),
        item_keys=range(n_cards),
        item_embeddings=item_embeddings,
    )


class SchedulerView:
    """What the scheduler knows about one learner: last answers and FSRS due dates, from answers only."""

    def __init__(self, n_cards: int, target_retention: float) -> None:
        self.fsrs = Scheduler(desired_retention=target_retention, enable_fuzzing=False)
        self.cards = [FsrsCard(card_id=index) for index in range(n_cards)]
        self.last_answered_at = np.full(n_cards, np.nan)
        self.due_at = np.full(n_cards, np.nan)

    def candidates(self, *, now: float, review_early: bool) -> Candidates:
        """New cards and reviews due at ``now`` (every studied card with ``review_early``), in deck order."""
        is_new = np.isnan(self.last_answered_at)
        offered = np.flatnonzero(is_new | review_early | (self.due_at <= now))
        return Candidates(
            card_ids=offered,
            is_new=is_new[offered],
            due_at=self.due_at[offered],
            last_answered_at=self.last_answered_at[offered],
            in_learning=np.array([self.cards[card].state != State.Review for card in offered], dtype=bool),
        )

    def record(self, card: int, at_time: float, grade: int, *, due_at: float | None = None) -> None:
        """Apply the answer to the card's FSRS state; its next due time is ``due_at`` when given, else FSRS's."""
        moment = datetime.fromtimestamp(at_time, tz=timezone.utc)
        self.cards[card], _ = self.fsrs.review_card(self.cards[card], Rating(grade), review_datetime=moment)
        self.last_answered_at[card] = at_time
        self.due_at[card] = self.cards[card].due.timestamp() if due_at is None else due_at


def study_deck(
    learner: SimulatedLearner,
    policy: SchedulingPolicy,
    plan: StudyPlan,
    *,
    start_time: float,
    rng: np.random.Generator,
    predictor: Predictor | None = None,
    due_forecaster: DueForecaster | None = None,
    item_embeddings: np.ndarray | None = None,
    workload: WorkloadSettings | None = None,
    notes: np.ndarray | None = None,
) -> StudyLog:
    """The learner studies for ``plan.days`` days from the day of ``start_time``; returns the log.

    With ``due_forecaster`` the due date after each answer is the forecaster's (a
    model-driven schedule), else the ``fsrs`` package's; with ``workload`` it is then
    moved by the workload tools (``balanced_due_time``; ``notes`` gives each card's
    note, for sibling dispersal).
    """
    log = StudyLog()
    view = SchedulerView(learner.n_cards, plan.target_retention)
    first_day = np.floor(start_time / SECONDS_PER_DAY) * SECONDS_PER_DAY
    for day in range(plan.days):
        now = first_day + day * SECONDS_PER_DAY + plan.session_hour * 3600.0
        session_end = now + plan.daily_budget_seconds
        new_today = reviews_today = 0
        while now < session_end:
            candidates = apply_daily_limits(
                view.candidates(now=now, review_early=plan.review_early),
                new_studied_today=new_today,
                reviews_today=reviews_today,
                new_per_day=plan.new_per_day,
                reviews_per_day=plan.reviews_per_day,
            )
            history = None
            if predictor is not None or due_forecaster is not None:
                history = study_logs_table([log], n_cards=learner.n_cards, item_embeddings=item_embeddings)
            if predictor is not None and len(candidates):
                candidates = predictor(history, candidates.card_ids, now).attach_to(candidates)
            decision = policy.choose(candidates, now=now, rng=rng)
            if decision is None:
                break
            card = int(decision.card_id)
            is_new = np.isnan(view.last_answered_at[card])
            simulated = float(learner.recall_probabilities(now)[card])
            answer = learner.answer(card, now)
            due_at = None if due_forecaster is None else due_forecaster(history, card, now, answer.grade)
            view.record(card, now, answer.grade, due_at=due_at)
            if workload is not None:
                view.due_at[card] = balanced_due_time(view.due_at, card, now=now, workload=workload, notes=notes)
            log.card.append(card)
            log.time.append(now)
            log.outcome.append(answer.outcome)
            log.grade.append(answer.grade)
            log.response_ms.append(answer.response_ms)
            log.predicted_recall.append(np.nan if decision.predicted_recall is None else decision.predicted_recall)
            log.simulated_recall.append(simulated)
            log.probability.append(decision.probability)
            new_today += int(is_new)
            reviews_today += int(not is_new)
            now += answer.response_ms / 1000.0 + plan.overhead_seconds
    return log


def balanced_due_time(due_at: np.ndarray, card: int, *, now: float, workload: WorkloadSettings, notes: np.ndarray | None) -> float:
    """``due_at[card]`` as the start of the day ``balanced_due_day`` chooses, counting the other cards' due days (UTC days).

    A review a day or more away becomes due at the start of its day, as Anki counts
    reviews in days: a card due at 19:40 would otherwise miss a session that ended at
    19:30 and wait a day, which makes the daily counts swing for reasons no tool can
    change. Shorter intervals (learning steps) keep their time.
    """
    today = int(now // SECONDS_PER_DAY)
    interval_days = (due_at[card] - now) / SECONDS_PER_DAY
    if interval_days < 1.0:
        return float(due_at[card])
    others = np.ones(len(due_at), dtype=bool)
    others[card] = False
    others &= ~np.isnan(due_at)
    other_days = np.floor(due_at[others] / SECONDS_PER_DAY).astype(np.int64)
    days, counts = np.unique(other_days, return_counts=True)
    siblings = frozenset() if notes is None else frozenset(other_days[notes[others] == notes[card]].tolist())
    day = balanced_due_day(
        today=today, interval_days=interval_days, due_counts=dict(zip(days.tolist(), counts.tolist())),
        sibling_days=siblings, settings=workload, seed=card * 1_000_003 + int(now),
    )
    return float(day * SECONDS_PER_DAY)
