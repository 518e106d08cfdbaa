"""Workload against target retention: the daily reviews a learner would face, simulated from their own FSRS-6 state.

What FSRS users ask Anki for as "compute optimal retention": start from the learner's
cards as they are (stability, difficulty, last review), schedule each next review the
way the ``fsrs`` package does for a target retention (the interval at which the
forgetting curve falls to it, whole days, at least one), and let the simulated memory
answer: a review is recalled with the probability on the forgetting curve (graded
Good, else Again) and updates stability and difficulty with FSRS-6, as the simulated
learners of ``SimulatedLearner`` do. Every retention is simulated with the same random
draws, so the curves differ by the retention alone. Only cards already studied are
simulated; new cards would add the same work at every retention.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from knowledge_tracing.fsrs_memory import DEFAULT_FSRS6_PARAMETERS, SECONDS_PER_DAY, forgetting_curve, next_memory_state

AGAIN, GOOD = 1, 3
MAXIMUM_INTERVAL_DAYS = 36_500
TARGET_RETENTIONS = tuple(round(0.75 + 0.02 * step, 2) for step in range(12))
"""0.75, 0.77, ..., 0.97."""


@dataclass(frozen=True)
class WorkloadPoint:
    target_retention: float
    mean_daily_reviews: float
    expected_recall_at_end: float
    """Mean recall of the cards on the last simulated day."""


def interval_days(stability: np.ndarray, target_retention: float, decay: float) -> np.ndarray:
    """The ``fsrs`` scheduler's next interval: where the forgetting curve reaches the target, whole days, at least 1."""
    factor = 0.9 ** (-1.0 / decay) - 1.0
    days = np.rint(stability / factor * (target_retention ** (-1.0 / decay) - 1.0))
    return np.clip(days, 1, MAXIMUM_INTERVAL_DAYS)


def simulate_workload(
    stability: np.ndarray,
    difficulty: np.ndarray,
    days_since_review: np.ndarray,
    *,
    target_retention: float,
    days: int = 90,
    seed: int = 0,
    parameters=DEFAULT_FSRS6_PARAMETERS,
) -> WorkloadPoint:
    """Simulate ``days`` days from today of the cards whose state is given (days since their last review, whole days)."""
    decay = float(parameters[20])
    stability = np.asarray(stability, dtype=np.float64).copy()
    difficulty = np.asarray(difficulty, dtype=np.float64).copy()
    last_review_day = -np.asarray(days_since_review, dtype=np.float64)
    due_day = last_review_day + interval_days(stability, target_retention, decay)
    draws = np.random.default_rng(seed).random((days, len(stability)))
    reviews = 0
    for day in range(days):
        due = np.flatnonzero(due_day <= day)
        elapsed = day - last_review_day[due]
        recalled = draws[day, due] < forgetting_curve(elapsed, stability[due], decay)
        grade = np.where(recalled, GOOD, AGAIN)
        stability[due], difficulty[due] = next_memory_state(stability[due], difficulty[due], elapsed, grade, parameters)
        last_review_day[due] = day
        due_day[due] = day + interval_days(stability[due], target_retention, decay)
        reviews += len(due)
    end_recall = forgetting_curve(days - last_review_day, stability, decay) if len(stability) else np.array([np.nan])
    return WorkloadPoint(
        target_retention=target_retention,
        mean_daily_reviews=reviews / days,
        expected_recall_at_end=float(np.mean(end_recall)),
    )


def workload_by_retention(
    stability, difficulty, days_since_review, *, retentions=TARGET_RETENTIONS, days: int = 90, seed: int = 0
) -> list[WorkloadPoint]:
    return [
        simulate_workload(stability, difficulty, days_since_review, target_retention=retention, days=days, seed=seed)
        for retention in retentions
    ]
