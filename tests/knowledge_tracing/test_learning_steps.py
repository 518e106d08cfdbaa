"""Learning steps in the shared rules: a learning card whose step is over comes first for every policy, one whose
step runs waits unless nothing else is left, and daily limits never drop it."""

import numpy as np
import pytest

from knowledge_tracing.models.incremental import CandidatePredictions
from knowledge_tracing.policies import Candidates, apply_daily_limits, create_policy
from knowledge_tracing.policies.rules import DEFAULT_COOLDOWN_SECONDS

NOW = 1_700_000_000.0
POLICIES = ["fsrs", "random", "delta", "recall_target"]


def _candidates(*, is_new, due_at, last_answered_at, in_learning, predicted=None):
    n = len(is_new)
    predicted = np.linspace(0.3, 0.9, n) if predicted is None else np.asarray(predicted, float)
    return Candidates(
        card_ids=np.arange(100, 100 + n),
        is_new=np.asarray(is_new, bool),
        due_at=np.asarray(due_at, float),
        last_answered_at=np.asarray(last_answered_at, float),
        predictions=CandidatePredictions(
            predicted_recall=predicted,
            recall_if_correct_tomorrow=np.full(n, 0.9),
            recall_if_wrong_tomorrow=np.linspace(0.1, 0.5, n),
            recall_if_skipped_tomorrow=predicted * 0.9,
        ),
        in_learning=np.asarray(in_learning, bool),
    )


def _choose(policy, candidates):
    return create_policy(policy).choose(candidates, now=NOW, rng=np.random.default_rng(0))


@pytest.mark.parametrize("policy", POLICIES)
def test_a_learning_card_whose_step_is_over_is_next_whatever_the_cooldown(policy):
    # card 100: graded Again 61 s ago, its 1-minute step over; 101: a long overdue review; 102: a new card
    candidates = _candidates(
        is_new=[False, False, True], due_at=[NOW - 1, NOW - 86400, np.nan], last_answered_at=[NOW - 61, NOW - 9 * 86400, np.nan],
        in_learning=[True, False, False],
    )
    assert 61 < DEFAULT_COOLDOWN_SECONDS
    assert _choose(policy, candidates).card_id == 100


@pytest.mark.parametrize("policy", POLICIES)
def test_a_learning_card_whose_step_runs_waits_while_other_cards_can_be_shown(policy):
    candidates = _candidates(
        is_new=[False, True, True], due_at=[NOW + 500, np.nan, np.nan], last_answered_at=[NOW - 100, np.nan, np.nan],
        in_learning=[True, False, False], predicted=[0.1, 0.5, 0.6],
    )
    assert _choose(policy, candidates).card_id != 100


@pytest.mark.parametrize("policy", POLICIES)
def test_when_only_learning_cards_are_left_the_one_due_soonest_is_shown(policy):
    candidates = _candidates(
        is_new=[False, False], due_at=[NOW + 500, NOW + 50], last_answered_at=[NOW - 100, NOW - 10], in_learning=[True, True],
    )
    assert _choose(policy, candidates).card_id == 101


def test_the_longest_waiting_learning_card_comes_first_in_due_order():
    candidates = _candidates(
        is_new=[False, False], due_at=[NOW - 5, NOW - 50], last_answered_at=[NOW - 65, NOW - 110], in_learning=[True, True],
    )
    assert _choose("fsrs", candidates).card_id == 101


def test_fsrs_shows_a_running_step_rather_than_nothing_when_no_review_is_due():
    # 100 is a review due next week: nothing to show by due order, so the learning card comes early
    candidates = _candidates(
        is_new=[False, False], due_at=[NOW + 7 * 86400, NOW + 400], last_answered_at=[NOW - 86400, NOW - 200], in_learning=[False, True],
    )
    assert _choose("fsrs", candidates).card_id == 101


def test_without_learning_information_nothing_changes():
    candidates = Candidates(
        card_ids=np.array([1, 2]), is_new=np.array([False, True]), due_at=np.array([NOW - 10, np.nan]), last_answered_at=np.array([NOW - 30, np.nan]),
    )
    assert _choose("fsrs", candidates).card_id == 2  # the review answered 30 s ago waits for the cooldown


def test_the_review_limit_never_drops_a_learning_card():
    candidates = _candidates(
        is_new=[False, False, True], due_at=[NOW - 1, NOW - 86400, np.nan], last_answered_at=[NOW - 61, NOW - 86400, np.nan],
        in_learning=[True, False, False],
    )
    limited = apply_daily_limits(candidates, new_studied_today=5, reviews_today=50, new_per_day=5, reviews_per_day=50)
    assert list(limited.card_ids) == [100]
    assert list(limited.in_learning) == [True]
