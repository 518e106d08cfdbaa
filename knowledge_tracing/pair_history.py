"""Counts over each learner-item pair's earlier rows, vectorised (no loop over rows).

Rows of a table are ordered by learner then time, so a stable sort by pair keeps each
pair's rows in time order; an exclusive cumulative sum inside each pair then counts
what happened before every row.
"""

from __future__ import annotations

import numpy as np

from knowledge_tracing.data.table import StudyLogTable


def pair_keys(table: StudyLogTable) -> np.ndarray:
    """One integer per learner-item pair."""
    return table.learner * max(table.n_items, 1) + table.item


def earlier_count(table: StudyLogTable, flags: np.ndarray) -> np.ndarray:
    """For every row, how many earlier rows of its learner-item pair have ``flags`` set."""
    pair = pair_keys(table)
    order = np.argsort(pair, kind="stable")
    flags_sorted = np.asarray(flags, dtype=np.int64)[order]
    exclusive = np.cumsum(flags_sorted) - flags_sorted
    sorted_pair = pair[order]
    starts = np.r_[True, sorted_pair[1:] != sorted_pair[:-1]] if len(pair) else np.zeros(0, bool)
    at_group_start = np.maximum.accumulate(np.where(starts, np.arange(len(pair)), 0)) if len(pair) else starts
    counts = np.empty(len(pair), dtype=np.int64)
    counts[order] = exclusive - exclusive[at_group_start]
    return counts


def previous_time(table: StudyLogTable) -> np.ndarray:
    """Time of the pair's previous row for every row; NaN for a pair's first row."""
    pair = pair_keys(table)
    order = np.argsort(pair, kind="stable")
    same_pair = np.r_[False, pair[order][1:] == pair[order][:-1]] if len(pair) else np.zeros(0, bool)
    previous = np.full(len(table), np.nan)
    previous[order[same_pair]] = table.time[order[np.flatnonzero(same_pair) - 1]]
    return previous
