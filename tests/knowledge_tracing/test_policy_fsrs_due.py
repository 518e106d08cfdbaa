"""The FSRS due-date policy: overdue reviews first (longest waiting first), then new cards, then nothing."""

import numpy as np

from knowledge_tracing.policies import create_policy
from knowledge_tracing.policies import fsrs_due  # noqa: F401  (registers "fsrs")
from knowledge_tracing.policies.base import Candidates

NOW = 1_700_000_000.0


def _candidates(*, is_new, due_at, last_answered_at=None):
    n = len(is_new)
    return Candidates(
        card_ids=np.arange(10, 10 + n),
        is_new=np.asarray(is_new, bool),
        due_at=np.asarray(due_at, float),
        last_answered_at=np.full(n, np.nan) if last_answered_at is None else np.asarray(last_answered_at, float),
    )


def _choose(candidates):
    return create_policy("fsrs").choose(candidates, now=NOW, rng=np.random.default_rng(0))


def test_the_longest_overdue_review_comes_before_new_cards():
    candidates = _candidates(is_new=[True, False, False], due_at=[np.nan, NOW - 60, NOW - 3600])
    decision = _choose(candidates)
    assert decision.card_id == 12
    assert decision.policy == "fsrs"
    assert decision.probability == 1.0
    assert decision.predicted_recall is None


def test_new_cards_in_deck_order_once_no_review_is_due():
    candidates = _candidates(is_new=[False, True, True], due_at=[NOW + 3600, np.nan, np.nan])
    assert _choose(candidates).card_id == 11


def test_nothing_to_study_when_reviews_are_not_due_and_no_new_card_is_left():
    candidates = _candidates(is_new=[False], due_at=[NOW + 60])
    assert _choose(candidates) is None


def test_a_card_answered_moments_ago_waits_while_another_is_due():
    candidates = _candidates(
        is_new=[False, False], due_at=[NOW - 7200, NOW - 10], last_answered_at=[NOW - 30, NOW - 86400]
    )
    assert _choose(candidates).card_id == 11
