"""The one pair key and rank kernel that every replay uses (``knowledge_tracing.history.pairs``)."""

import numpy as np
import pytest

from knowledge_tracing.data.synthetic import generate_study_log
from knowledge_tracing.history.pairs import PairRanks, earlier_count, pair_key, pair_keys, previous_time
from knowledge_tracing.models.fsrs7 import ReplayPlan
from knowledge_tracing.models.gru import CardSequences


def _naive_ranks(learner, item) -> tuple[np.ndarray, np.ndarray]:
    """Each row's rank within its (learner, item) pair and its pair's previous row, by a loop over rows."""
    seen: dict[tuple[int, int], list[int]] = {}
    rank, previous = np.zeros(len(learner), np.int64), np.full(len(learner), -1)
    for row, pair in enumerate(zip(learner.tolist(), item.tolist())):
        rows = seen.setdefault(pair, [])
        rank[row], previous[row] = len(rows), rows[-1] if rows else -1
        rows.append(row)
    return rank, previous


@pytest.fixture(scope="module")
def table():
    return generate_study_log(n_learners=6, n_items=40, n_logs=900, seed=2)


def test_the_rank_kernel_equals_a_loop_over_rows(table):
    ranks = PairRanks.of(pair_keys(table))
    rank, previous = _naive_ranks(table.learner, table.item)
    np.testing.assert_array_equal(ranks.rank, rank)
    np.testing.assert_array_equal(ranks.previous_row(), previous)
    assert [int(ranks.rank[rows].max()) for rows in ranks.by_rank()] == list(range(int(rank.max()) + 1))
    assert sum(len(rows) for rows in ranks.by_rank()) == len(table)


def test_the_three_former_pair_keys_group_and_order_rows_alike(table):
    """``learner * n_items + item`` (counts), ``learner * max(n_items, max item + 1) + item`` (replay) and the kept key."""
    width = max(table.n_items, int(table.item.max()) + 1)
    former = [table.learner * max(table.n_items, 1) + table.item, table.learner * width + table.item]
    kept = PairRanks.of(pair_keys(table))
    for keys in former:
        ranks = PairRanks.of(keys)
        np.testing.assert_array_equal(ranks.order, kept.order)
        np.testing.assert_array_equal(ranks.rank, kept.rank)
        np.testing.assert_array_equal(np.unique(keys, return_inverse=True)[1], np.unique(pair_keys(table), return_inverse=True)[1])


def test_the_key_does_not_depend_on_the_table_and_never_merges_pairs():
    """The key an item statistic was saved under still names the same pair when item ids grow past any table's size."""
    learner = np.array([0, 0, 1, 1, 2])
    item = np.array([5, 7, 5, 2**31, 0])
    keys = pair_key(learner, item)
    assert len(np.unique(keys)) == len(keys)
    np.testing.assert_array_equal(np.argsort(keys), np.lexsort((item, learner)))
    assert pair_key(3, 9) == 3 * 2**32 + 9


def test_counts_and_previous_times_over_earlier_rows_of_the_pair(table):
    rank, previous = _naive_ranks(table.learner, table.item)
    correct = table.outcome > 0
    expected_correct = np.zeros(len(table), np.int64)
    for row in range(len(table)):
        back = previous[row]
        expected_correct[row] = 0 if back < 0 else expected_correct[back] + int(correct[back])
    np.testing.assert_array_equal(earlier_count(table, correct), expected_correct)
    np.testing.assert_array_equal(earlier_count(table, np.ones(len(table), bool)), rank)
    expected_time = np.where(previous >= 0, table.time[np.maximum(previous, 0)], np.nan)
    np.testing.assert_array_equal(previous_time(table), expected_time)


def test_with_times_a_shuffled_table_is_ranked_as_the_time_ordered_one(table):
    """FSRS-7's and the GRU's replays take a table in any row order: the kernel orders each pair by time."""
    perm = np.random.default_rng(3).permutation(len(table))
    shuffled = table.take(perm)
    ranks = PairRanks.of(pair_keys(shuffled), times=shuffled.time)
    np.testing.assert_array_equal(ranks.rank, PairRanks.of(pair_keys(table)).rank[perm])
    np.testing.assert_array_equal(ranks.order, np.lexsort((np.arange(len(shuffled)), shuffled.time, pair_keys(shuffled))))



def test_fsrs7_and_the_gru_group_a_shuffled_table_as_the_ordered_one(table):
    """Their replays group pairs with the kernel: each pair's reviews in time order, whatever order the rows come in."""
    perm = np.random.default_rng(5).permutation(len(table))
    shuffled = table.take(perm)
    ordered, mixed = ReplayPlan.of(table), ReplayPlan.of(shuffled)
    assert len(mixed.rows) == len(ordered.rows)
    for rank in range(len(ordered.rows)):
        np.testing.assert_array_equal(perm[mixed.rows[rank]], ordered.rows[rank])
        for got, expected in [(mixed.previous, ordered.previous), (mixed.elapsed_days, ordered.elapsed_days), (mixed.grade, ordered.grade)]:
            np.testing.assert_array_equal(got[rank].numpy(), expected[rank].numpy())
    sequences, expected = CardSequences(shuffled), CardSequences(table)
    np.testing.assert_array_equal(np.where(sequences.rows >= 0, perm[sequences.rows], -1), expected.rows)
    np.testing.assert_array_equal(sequences.delay_days.numpy(), expected.delay_days.numpy())
    np.testing.assert_array_equal(sequences.lengths, expected.lengths)
