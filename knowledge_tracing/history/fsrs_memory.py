"""FSRS-6 memory-state replay over a whole study-log table, vectorised with numpy.

For every row, the stability, difficulty and retrievability of its learner-item pair
*before* the row's answer, computed from that pair's earlier rows only. The formulas
are those of FSRS-6 as implemented by the ``fsrs`` package (and Anki's fsrs-rs):
initial stability and difficulty from the first grade, the short-term (same-day)
stability update when less than a full day has passed, the long-term recall and
forget updates otherwise, and the power forgetting curve with the trainable decay
``w[20]``. Elapsed time is counted in whole days (``floor(seconds / 86400)``), as the
``fsrs`` package does, so the replay matches its ``Scheduler`` review for review.

Rows are processed pair-parallel (``pairs.PairRanks``): all pairs' first reviews in
one vector step, then all second reviews, and so on, so the Python loop runs once per
review *rank*, not once per row.

Which FSRS is the authority. The scheduling state a learner sees (a card's due date,
its stability and difficulty in ``CardState``) is computed by the ``fsrs`` package
(``apps/study/fsrs_state.py``, and the simulator's scheduler): it is Anki's reference
implementation of the scheduler, learning steps and fuzz included, and what a learner
moving from Anki expects. This module is the package's memory model rewritten to run
over a whole table at once (models, features and dashboards read every row's state,
which the package's one-card-at-a-time ``Scheduler`` would make slow); it is held equal
to the package review for review on real review histories
(``tests/knowledge_tracing/test_fsrs_memory.py``), so where the two disagree the package
is right and this module has a bug.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from fsrs.scheduler import DEFAULT_PARAMETERS

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.history.pairs import PairRanks, pair_keys

SECONDS_PER_DAY = 86_400.0
STABILITY_MIN = 0.001
STABILITY_MAX = 36_500.0
DIFFICULTY_MIN = 1.0
DIFFICULTY_MAX = 10.0

DEFAULT_FSRS6_PARAMETERS: tuple[float, ...] = tuple(float(value) for value in DEFAULT_PARAMETERS)


@dataclass(frozen=True)
class MemoryStates:
    """Per-row FSRS-6 state of the row's learner-item pair before its answer.

    All arrays are aligned with the table's rows. For the first row of a pair there
    is no memory yet: stability, difficulty, retrievability and elapsed_days are NaN
    and ``review_count`` is 0.

    Attributes:
        stability: days until retrievability falls to 90% (float64).
        difficulty: 1 (easy) .. 10 (hard) (float64).
        retrievability: predicted recall probability at the row's time (float64).
        elapsed_days: whole days since the pair's previous row (float64).
        review_count: number of earlier rows of the pair (int64).
    """

    stability: np.ndarray
    difficulty: np.ndarray
    retrievability: np.ndarray
    elapsed_days: np.ndarray
    review_count: np.ndarray


def forgetting_curve(elapsed_days, stability, decay: float):
    """FSRS-6 power forgetting curve: R(t, S) = (1 + factor * t / S) ** -decay, R(S, S) = 0.9."""
    factor = 0.9 ** (-1.0 / decay) - 1.0
    return (1.0 + factor * np.asarray(elapsed_days) / np.asarray(stability)) ** -decay


def known_grades(outcome, grade) -> np.ndarray:
    """1-4 grades; an unknown grade (0) counts as Good (3) if recalled, else Again (1)."""
    grade = np.array(grade, dtype=np.int64)
    missing = grade == 0
    grade[missing] = np.where(np.asarray(outcome)[missing] > 0, 3, 1)
    return grade


def grades_of(table: StudyLogTable) -> np.ndarray:
    """The table's 1-4 grades (``known_grades`` of its outcomes and grades)."""
    return known_grades(table.outcome, table.grade)


def replay_memory_states(table: StudyLogTable, parameters=DEFAULT_FSRS6_PARAMETERS) -> MemoryStates:
    """FSRS-6 state of every row's learner-item pair before the row (see module docstring)."""
    return replay_pairs(pair_keys(table), table.time, grades_of(table), parameters)


def replay_pairs(pair: np.ndarray, time_seconds: np.ndarray, grade: np.ndarray, parameters) -> MemoryStates:
    """The replay on raw columns: pair key, time in seconds and 1-4 grade per row.

    Rows of one pair must appear in time order (any interleaving of pairs is fine).
    """
    w = np.asarray(parameters, dtype=np.float64)
    if w.shape != (21,):
        raise ValueError(f"FSRS-6 needs 21 parameters, got {w.shape[0] if w.ndim == 1 else w.shape}")
    n = len(pair)
    ranks = PairRanks.of(pair)
    previous_row = ranks.previous_row()
    time_seconds = np.asarray(time_seconds, dtype=np.float64)
    grade = np.asarray(grade, dtype=np.int64)

    stability_before = np.full(n, np.nan)
    difficulty_before = np.full(n, np.nan)
    retrievability_before = np.full(n, np.nan)
    elapsed_before = np.full(n, np.nan)
    stability_after = np.empty(n)
    difficulty_after = np.empty(n)

    for r, rows in enumerate(ranks.by_rank()):
        if r == 0:
            stability_after[rows] = np.clip(w[grade[rows] - 1], STABILITY_MIN, STABILITY_MAX)
            difficulty_after[rows] = _clip_difficulty(_initial_difficulty(w, grade[rows]))
            continue
        previous = previous_row[rows]
        stability = stability_after[previous]
        difficulty = difficulty_after[previous]
        elapsed = np.floor((time_seconds[rows] - time_seconds[previous]) / SECONDS_PER_DAY)
        elapsed = np.maximum(elapsed, 0.0)
        retrievability = forgetting_curve(elapsed, stability, w[20])
        stability_before[rows] = stability
        difficulty_before[rows] = difficulty
        retrievability_before[rows] = retrievability
        elapsed_before[rows] = elapsed
        stability_after[rows], difficulty_after[rows] = _review(w, stability, difficulty, elapsed, grade[rows])

    return MemoryStates(
        stability=stability_before,
        difficulty=difficulty_before,
        retrievability=retrievability_before,
        elapsed_days=elapsed_before,
        review_count=ranks.rank,
    )


def next_memory_state(stability, difficulty, elapsed_days, grade, parameters=DEFAULT_FSRS6_PARAMETERS):
    """Stability and difficulty after one answer, vectorised; NaN stability means a first review.

    The incremental form of the replay, for callers that keep a pair's state and
    update it one answer at a time (the learner state behind candidate scoring).
    ``elapsed_days`` is the whole number of days since the pair's previous answer.
    """
    w = np.asarray(parameters, dtype=np.float64)
    stability = np.asarray(stability, dtype=np.float64)
    difficulty = np.asarray(difficulty, dtype=np.float64)
    grade = np.asarray(grade, dtype=np.int64)
    first = np.isnan(stability)
    later_stability, later_difficulty = _review(
        w, np.where(first, 1.0, stability), np.where(first, 5.0, difficulty), np.asarray(elapsed_days, dtype=np.float64), grade
    )
    return (
        np.where(first, np.clip(w[grade - 1], STABILITY_MIN, STABILITY_MAX), later_stability),
        np.where(first, _clip_difficulty(_initial_difficulty(w, grade)), later_difficulty),
    )


def _review(w: np.ndarray, stability, difficulty, elapsed, grade):
    """S and D after a review of a pair that already has a memory state."""
    retrievability = forgetting_curve(elapsed, stability, w[20])
    next_stability = np.where(
        elapsed < 1,
        _short_term_stability(w, stability, grade),
        _long_term_stability(w, stability, difficulty, retrievability, grade),
    )
    return next_stability, _next_difficulty(w, difficulty, grade)


def _initial_difficulty(w: np.ndarray, grade) -> np.ndarray:
    return w[4] - np.exp(w[5] * (np.asarray(grade) - 1)) + 1.0


def _clip_difficulty(difficulty: np.ndarray) -> np.ndarray:
    return np.clip(difficulty, DIFFICULTY_MIN, DIFFICULTY_MAX)


def _next_difficulty(w: np.ndarray, difficulty: np.ndarray, grade: np.ndarray) -> np.ndarray:
    delta = -w[6] * (grade - 3)
    damped = difficulty + (10.0 - difficulty) * delta / 9.0
    reverted = w[7] * _initial_difficulty(w, 4) + (1.0 - w[7]) * damped
    return _clip_difficulty(reverted)


def _short_term_stability(w: np.ndarray, stability: np.ndarray, grade: np.ndarray) -> np.ndarray:
    increase = np.exp(w[17] * (grade - 3 + w[18])) * stability ** -w[19]
    increase = np.where(grade >= 2, np.maximum(increase, 1.0), increase)
    return np.clip(stability * increase, STABILITY_MIN, STABILITY_MAX)


def _long_term_stability(
    w: np.ndarray, stability: np.ndarray, difficulty: np.ndarray, retrievability: np.ndarray, grade: np.ndarray
) -> np.ndarray:
    hard_penalty = np.where(grade == 2, w[15], 1.0)
    easy_bonus = np.where(grade == 4, w[16], 1.0)
    recall = stability * (
        1.0
        + np.exp(w[8])
        * (11.0 - difficulty)
        * stability ** -w[9]
        * (np.exp((1.0 - retrievability) * w[10]) - 1.0)
        * hard_penalty
        * easy_bonus
    )
    forget_long = w[11] * difficulty ** -w[12] * ((stability + 1.0) ** w[13] - 1.0) * np.exp((1.0 - retrievability) * w[14])
    forget = np.minimum(forget_long, stability / np.exp(w[17] * w[18]))
    return np.clip(np.where(grade == 1, forget, recall), STABILITY_MIN, STABILITY_MAX)
