"""A whole study-log table replayed: every row's pair state and learner summary before its answer.

Pair-parallel (``pairs.PairRanks``): all pairs' first answers in one vector step of
``update_rules.advance_pair_states``, then all second answers, and so on, so the
Python loop runs once per review rank, never once per row and never quadratically.
The learner summary has the same first five fields and is built with cumulative sums.

Time is in seconds; a table without timestamps (ASSISTments) counts each step as one
day, so spacing-based features stay defined.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.history.fsrs_memory import DEFAULT_FSRS6_PARAMETERS, SECONDS_PER_DAY, grades_of
from knowledge_tracing.history.pairs import PairRanks, pair_keys
from knowledge_tracing.history.update_rules import (
    LAST_LOG_DURATION,
    LAST_OUTCOME,
    LAST_TIME,
    N_CORRECT,
    N_WRONG,
    PAIR_STATE_WIDTH,
    SUMMARY_WIDTH,
    advance_pair_states,
    fresh_pair_states,
)


def time_in_seconds(table: StudyLogTable) -> np.ndarray:
    """The table's time axis in seconds; one step counts as one day without timestamps."""
    return table.time if table.has_timestamps else table.time * SECONDS_PER_DAY


def log_duration(duration_ms) -> np.ndarray:
    """log1p of the response time in seconds; NaN stays NaN (unknown)."""
    return np.log1p(np.maximum(np.asarray(duration_ms, dtype=np.float64), 0.0) / 1000.0)


@dataclass
class TableHistory:
    """A table replayed: features of every row, and the pair states each row leaves behind.

    Attributes:
        features: (rows, len(FEATURE_NAMES)) float64, from strictly earlier rows.
        pair_states_after: (rows, PAIR_STATE_WIDTH) state of the row's pair after its answer
            (what a later row sees of that pair; retrieval reads neighbours from here).
        time_seconds: the table's time axis in seconds.
    """

    features: np.ndarray
    pair_states_after: np.ndarray
    time_seconds: np.ndarray


def replay_pair_states(
    table: StudyLogTable, fsrs_parameters=DEFAULT_FSRS6_PARAMETERS
) -> tuple[np.ndarray, np.ndarray]:
    """Pair state before and after every row, pair-parallel (one vector step per review rank)."""
    n = len(table)
    time_seconds = time_in_seconds(table)
    grades = grades_of(table)
    durations = log_duration(table.duration_ms)
    _, pair_index = np.unique(pair_keys(table), return_inverse=True)
    states = fresh_pair_states(int(pair_index.max(initial=-1)) + 1)
    before = np.empty((n, PAIR_STATE_WIDTH))
    after = np.empty((n, PAIR_STATE_WIDTH))
    for rows in PairRanks.of(pair_index).by_rank():
        pairs = pair_index[rows]
        before[rows] = states[pairs]
        states[pairs] = advance_pair_states(
            before[rows], time_seconds[rows], table.outcome[rows], grades[rows], durations[rows], fsrs_parameters
        )
        after[rows] = states[pairs]
    return before, after


def replay_learner_summaries(table: StudyLogTable) -> np.ndarray:
    """Learner summary before every row, with cumulative sums within each learner."""
    n = len(table)
    correct = table.outcome > 0
    position = table.learner_positions()
    learner_start = np.arange(n) - position
    correct_so_far = np.r_[0, np.cumsum(correct)]
    summaries = np.full((n, SUMMARY_WIDTH), np.nan)
    summaries[:, N_CORRECT] = correct_so_far[:n] - correct_so_far[learner_start]
    summaries[:, N_WRONG] = position - summaries[:, N_CORRECT]
    previous = np.arange(n) - 1
    has_previous = position > 0
    summaries[has_previous, LAST_TIME] = time_in_seconds(table)[previous[has_previous]]
    summaries[has_previous, LAST_OUTCOME] = correct[previous[has_previous]]
    summaries[has_previous, LAST_LOG_DURATION] = log_duration(table.duration_ms)[previous[has_previous]]
    return summaries
