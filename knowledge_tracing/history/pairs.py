"""The learner-item pair: one key per pair, and each row's rank among its pair's rows.

Every replay of a study log (FSRS memory states, the history features' pair states,
counts over earlier rows) groups rows by pair and walks each pair's rows in time order.
They all use the two functions here, so a pair means the same thing everywhere:

- ``pair_key(learner, item)``: ``learner * 2**32 + item``. It depends on the two ids
  only, never on the table's size, so a key saved with a fitted model (the item
  statistics of ``HistoryFeatures``) still names the same pair in a later, larger
  table. Keys sort as (learner, item) pairs do. (Before issue 31 the replays used
  ``learner * n_items + item`` and ``learner * max(n_items, max item + 1) + item``;
  for item ids below the multiplier all three are injective and sort as (learner,
  item), so they group and order rows identically; the first could merge pairs when an
  item id reached ``n_items``. ``tests/knowledge_tracing/test_pairs.py`` checks it.)
- ``PairRanks.of(keys)``: each row's rank among its pair's rows (0 for the first) and
  the rows grouped by rank, so a replay runs one vector step per rank (all pairs'
  first answers, then all second answers, ...), never one per row.

Rows of one pair must appear in time order (tables are ordered by learner then time);
a stable sort by key keeps them so. A caller that cannot rely on that order (FSRS-7's
and the GRU's replays take any table) passes the rows' times, and each pair's rows are
then ordered by time, ties in table order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from knowledge_tracing.data.table import StudyLogTable

ITEM_KEY_SPAN = 1 << 32


def pair_key(learner, item) -> np.ndarray:
    """One int64 per (learner, item): ``learner * 2**32 + item``, independent of any table."""
    return np.asarray(learner, dtype=np.int64) * ITEM_KEY_SPAN + np.asarray(item, dtype=np.int64)


def pair_keys(table: StudyLogTable) -> np.ndarray:
    """The pair key of every row of ``table``."""
    return pair_key(table.learner, table.item)


@dataclass(frozen=True)
class PairRanks:
    """Rows grouped by pair and ranked within it.

    Attributes:
        order: row indices sorted by pair, each pair's rows in their table order.
        rank: (rows,) each row's rank among its pair's rows, 0 for the first.
        first_in_order: (rows,) position in ``order`` of the first row of each sorted row's pair.
        rows_by_rank: row indices sorted by rank (stable, so table order within a rank).
        rank_bounds: rows of rank r are ``rows_by_rank[rank_bounds[r]:rank_bounds[r + 1]]``.
    """

    order: np.ndarray
    rank: np.ndarray
    first_in_order: np.ndarray
    rows_by_rank: np.ndarray
    rank_bounds: np.ndarray

    @classmethod
    def of(cls, keys: np.ndarray, times: np.ndarray | None = None) -> "PairRanks":
        """The ranks of rows with these pair ``keys``; with ``times``, each pair's rows in time order (ties in table order)."""
        keys = np.asarray(keys)
        n = len(keys)
        order = np.argsort(keys, kind="stable") if times is None else np.lexsort((np.arange(n), np.asarray(times), keys))
        sorted_keys = keys[order]
        is_first = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]] if n else np.zeros(0, bool)
        first_in_order = np.maximum.accumulate(np.where(is_first, np.arange(n), 0)) if n else np.zeros(0, np.int64)
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n) - first_in_order
        rows_by_rank = np.argsort(rank, kind="stable")
        rank_bounds = np.searchsorted(rank[rows_by_rank], np.arange(int(rank.max(initial=-1)) + 2))
        return cls(order, rank, first_in_order, rows_by_rank, rank_bounds)

    def by_rank(self):
        """Row indices of rank 0, then of rank 1, ... (one array per rank)."""
        for start, stop in zip(self.rank_bounds[:-1], self.rank_bounds[1:]):
            yield self.rows_by_rank[start:stop]

    def previous_row(self) -> np.ndarray:
        """(rows,) the row index of each row's pair's previous row, -1 for a pair's first row."""
        previous = np.full(len(self.rank), -1, dtype=np.int64)
        later = self.order[self.rank[self.order] > 0]
        previous_in_order = np.flatnonzero(self.rank[self.order] > 0) - 1
        previous[later] = self.order[previous_in_order]
        return previous


def earlier_count(table: StudyLogTable, flags: np.ndarray) -> np.ndarray:
    """For every row, how many earlier rows of its learner-item pair have ``flags`` set."""
    ranks = PairRanks.of(pair_keys(table))
    flags_sorted = np.asarray(flags, dtype=np.int64)[ranks.order]
    exclusive = np.cumsum(flags_sorted) - flags_sorted
    counts = np.empty(len(table), dtype=np.int64)
    counts[ranks.order] = exclusive - exclusive[ranks.first_in_order]
    return counts


def previous_time(table: StudyLogTable) -> np.ndarray:
    """Time of the pair's previous row for every row; NaN for a pair's first row."""
    previous_row = PairRanks.of(pair_keys(table)).previous_row()
    previous = np.full(len(table), np.nan)
    has_previous = previous_row >= 0
    previous[has_previous] = table.time[previous_row[has_previous]]
    return previous
