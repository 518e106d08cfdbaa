"""Workload against target retention: the daily reviews a learner would face, simulated from their own FSRS-6 state.

What FSRS users ask Anki for as "compute optimal retention": start from the learner's
cards as they are (stability, difficulty, last review), schedule each next review the
way the ``fsrs`` package does for a target retention (the interval at which the
forgetting curve falls to it, whole days, at least one), and let the simulated memory
answer: a review is recalled with the probability on the forgetting curve (graded
Good, else Again) and updates stability and difficulty with FSRS-6, as the simulated
learners of ``SimulatedLearner`` do. Only cards already studied are simulated; new
cards would add the same work at every retention.

One simulated future is noisy: a few lapses move a small deck's daily reviews more
than two points of retention do, which made the curve go up and down. So each
retention is simulated ``replicates`` times, and the replicates share their random
numbers across retentions (common random numbers): the k-th review of card c in
replicate n is recalled when the same uniform draw u[k, n, c] falls below its recall
probability, whatever the retention. A higher target reviews each card earlier, when
recall is likelier, so the same draw tends to recall it there too, and the curves
differ by the retention rather than by luck. The mean over the replicates is the
curve; the 5th and 95th percentiles of the replicates are its band (where 90% of the
simulated futures fall). With the FSRS-6 memory model a higher target within
0.75-0.97 means more reviews (shorter intervals, and too few extra lapses at the low
end to outweigh them); ``tests/knowledge_tracing/test_workload.py`` holds the mean
curve of seeded runs to that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from knowledge_tracing.history.fsrs_memory import DEFAULT_FSRS6_PARAMETERS, forgetting_curve, next_memory_state

AGAIN, GOOD = 1, 3
MAXIMUM_INTERVAL_DAYS = 36_500
TARGET_RETENTIONS = tuple(round(0.75 + 0.02 * step, 2) for step in range(12))
"""0.75, 0.77, ..., 0.97."""
SIMULATED_CARDS = 4_000
"""Replicates x cards aimed at: a small deck gets more replicates (at most 32), a large one fewer (at least 8)."""
BAND = (5.0, 95.0)


def replicates_for(cards: int) -> int:
    """Enough replicates for a smooth mean (about ``SIMULATED_CARDS`` simulated cards), 8 to 32."""
    return int(np.clip(-(-SIMULATED_CARDS // max(cards, 1)), 8, 32))


@dataclass(frozen=True)
class WorkloadPoint:
    target_retention: float
    mean_daily_reviews: float
    """Mean over the replicates of the reviews a day over the simulated days."""
    low_daily_reviews: float
    high_daily_reviews: float
    """The band: 5th and 95th percentiles of the replicates' reviews a day."""
    expected_recall_at_end: float
    """Mean recall of the cards on the last simulated day, over the replicates."""


def interval_days(stability: np.ndarray, target_retention, decay: float) -> np.ndarray:
    """The ``fsrs`` scheduler's next interval: where the forgetting curve reaches the target, whole days, at least 1."""
    factor = 0.9 ** (-1.0 / decay) - 1.0
    days = np.rint(stability / factor * (np.asarray(target_retention) ** (-1.0 / decay) - 1.0))
    return np.clip(days, 1, MAXIMUM_INTERVAL_DAYS)


def workload_by_retention(
    stability,
    difficulty,
    days_since_review,
    *,
    retentions=TARGET_RETENTIONS,
    days: int = 90,
    replicates: int | None = None,
    seed: int = 0,
    parameters=DEFAULT_FSRS6_PARAMETERS,
) -> list[WorkloadPoint]:
    """Simulate ``days`` days from today, for each retention, of the cards whose state is given (days since review: whole days).

    ``replicates`` defaults to ``replicates_for`` the number of cards.
    """
    replicates = replicates or replicates_for(len(stability))
    daily_reviews, end_recall = simulate_reviews(
        stability, difficulty, days_since_review, retentions=retentions, days=days, replicates=replicates, seed=seed, parameters=parameters
    )
    low, high = np.percentile(daily_reviews, BAND, axis=1)
    return [
        WorkloadPoint(
            target_retention=float(retention),
            mean_daily_reviews=float(daily_reviews[index].mean()),
            low_daily_reviews=float(low[index]),
            high_daily_reviews=float(high[index]),
            expected_recall_at_end=float(end_recall[index].mean()),
        )
        for index, retention in enumerate(retentions)
    ]


def simulate_reviews(
    stability, difficulty, days_since_review, *, retentions, days: int, replicates: int, seed: int, parameters=DEFAULT_FSRS6_PARAMETERS
) -> tuple[np.ndarray, np.ndarray]:
    """(reviews a day, mean recall of the cards on the last day), each (retentions, replicates), with common random numbers.

    Every (retention, replicate, card) is one entry of flat arrays, retention-major, so
    a day's due reviews are one ``flatnonzero`` and the draws are shared by position
    within a retention's block.
    """
    decay = float(parameters[20])
    stability = np.asarray(stability, dtype=np.float64)
    cards, block = len(stability), replicates * len(stability)
    shape = (len(retentions), replicates, cards)
    if cards == 0:
        return np.zeros(shape[:2]), np.full(shape[:2], np.nan)
    target = np.repeat(np.asarray(retentions, dtype=np.float64), block)
    memory = np.tile(stability, len(retentions) * replicates)
    hardness = np.tile(np.asarray(difficulty, dtype=np.float64), len(retentions) * replicates)
    last_review_day = np.tile(-np.asarray(days_since_review, dtype=np.float64), len(retentions) * replicates)
    due_day = last_review_day + interval_days(memory, target, decay)
    review_number = np.zeros(len(memory), dtype=np.int64)
    draws = np.random.default_rng(seed).random((days, block))
    reviews = np.zeros(len(retentions) * replicates, dtype=np.int64)
    for day in range(days):
        due = np.flatnonzero(due_day <= day)
        elapsed = day - last_review_day[due]
        recalled = draws[review_number[due], due % block] < forgetting_curve(elapsed, memory[due], decay)
        memory[due], hardness[due] = next_memory_state(memory[due], hardness[due], elapsed, np.where(recalled, GOOD, AGAIN), parameters)
        last_review_day[due] = day
        due_day[due] = day + interval_days(memory[due], target[due], decay)
        review_number[due] += 1
        reviews += np.bincount(due // cards, minlength=len(reviews))
    end_recall = forgetting_curve(days - last_review_day, memory, decay).reshape(shape).mean(axis=2)
    return reviews.reshape(shape[:2]) / days, end_recall
