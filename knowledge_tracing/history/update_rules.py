"""The rules that advance a learner-item pair's state by one answer: counts, Leitner, SM-2, FSRS-6.

A *pair state* is one float row (``PAIR_STATE_WIDTH`` columns): counts of correct and
wrong answers, the last answer's time, outcome and log response time, a Leitner box,
SM-2's ease, interval and repetitions, and FSRS-6's stability and difficulty
(``fsrs_memory.next_memory_state``). The first ``SUMMARY_WIDTH`` columns are also a
learner's summary over all items. ``advance_pair_states`` updates many pairs at once,
one answer each; a table replay (``replay``), a learner's kept state
(``learner_state``) and a scheduler's simulated answers (``features``) all go through
it, so an answer moves a pair the same way on every path.
"""

from __future__ import annotations

import numpy as np

from knowledge_tracing.history.fsrs_memory import DEFAULT_FSRS6_PARAMETERS, SECONDS_PER_DAY, next_memory_state

LEITNER_TOP_BOX = 7
SM2_INITIAL_EASE = 2.5
SM2_MINIMUM_EASE = 1.3
SM2_QUALITY_OF_GRADE = np.array([0, 1, 3, 4, 5])  # index = grade 1..4 (Again..Easy)

# Columns of a pair state; the first five are also the learner summary.
N_CORRECT, N_WRONG, LAST_TIME, LAST_OUTCOME, LAST_LOG_DURATION = range(5)
LEITNER_BOX, SM2_EASE, SM2_INTERVAL_DAYS, SM2_REPETITIONS, FSRS_STABILITY, FSRS_DIFFICULTY = range(5, 11)
PAIR_STATE_WIDTH = 11
SUMMARY_WIDTH = 5


def fresh_pair_states(count: int) -> np.ndarray:
    """States of pairs never answered: no counts, unknown last answer, SM-2 and FSRS unset."""
    states = np.zeros((count, PAIR_STATE_WIDTH))
    states[:, [LAST_TIME, LAST_OUTCOME, LAST_LOG_DURATION, FSRS_STABILITY, FSRS_DIFFICULTY]] = np.nan
    states[:, SM2_EASE] = SM2_INITIAL_EASE
    return states


def advance_summaries(summaries: np.ndarray, time_seconds, outcome, log_durations) -> np.ndarray:
    """The first five state columns after one answer each (counts, last time/outcome/duration)."""
    updated = summaries.copy()
    correct = np.asarray(outcome) > 0
    updated[:, N_CORRECT] += correct
    updated[:, N_WRONG] += ~correct
    updated[:, LAST_TIME] = time_seconds
    updated[:, LAST_OUTCOME] = correct
    updated[:, LAST_LOG_DURATION] = log_durations
    return updated


def advance_pair_states(
    states: np.ndarray, time_seconds, outcome, grade, log_durations, fsrs_parameters=DEFAULT_FSRS6_PARAMETERS
) -> np.ndarray:
    """Pair states after one answer each (one row per pair, all updated at once)."""
    time_seconds = np.asarray(time_seconds, dtype=np.float64)
    grade = np.asarray(grade, dtype=np.int64)
    correct = np.asarray(outcome) > 0
    elapsed_days = np.nan_to_num(np.maximum(np.floor((time_seconds - states[:, LAST_TIME]) / SECONDS_PER_DAY), 0.0))
    updated = advance_summaries(states, time_seconds, outcome, log_durations)

    updated[:, LEITNER_BOX] = np.where(correct, np.minimum(states[:, LEITNER_BOX] + 1, LEITNER_TOP_BOX), 1)

    quality = SM2_QUALITY_OF_GRADE[grade]
    repetitions = states[:, SM2_REPETITIONS]
    interval = np.select(
        [repetitions == 0, repetitions == 1], [1.0, 6.0], np.round(states[:, SM2_INTERVAL_DAYS] * states[:, SM2_EASE])
    )
    ease = states[:, SM2_EASE] + 0.1 - (5 - quality) * (0.08 + (5 - quality) * 0.02)
    passed = quality >= 3
    updated[:, SM2_INTERVAL_DAYS] = np.where(passed, interval, 1.0)
    updated[:, SM2_REPETITIONS] = np.where(passed, repetitions + 1, 0)
    updated[:, SM2_EASE] = np.maximum(ease, SM2_MINIMUM_EASE)

    updated[:, FSRS_STABILITY], updated[:, FSRS_DIFFICULTY] = next_memory_state(
        states[:, FSRS_STABILITY], states[:, FSRS_DIFFICULTY], elapsed_days, grade, fsrs_parameters
    )
    return updated
