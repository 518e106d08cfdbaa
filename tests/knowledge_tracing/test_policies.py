"""Scheduling policies on hand-built predictions: which card each one picks, and the shared rules."""

import numpy as np
import pytest

from knowledge_tracing.models.incremental import CandidatePredictions
from knowledge_tracing.policies import Candidates, apply_daily_limits, create_policy

NOW = 1_700_000_000.0
NEVER = np.nan


def _candidates(predicted, *, correct=None, wrong=None, skipped=None, last_answered=None, is_new=None):
    n = len(predicted)
    as_array = lambda values: np.full(n, np.nan) if values is None else np.asarray(values, dtype=float)  # noqa: E731
    return Candidates(
        card_ids=np.array([f"card-{i}" for i in range(n)]),
        is_new=np.zeros(n, bool) if is_new is None else np.asarray(is_new, bool),
        due_at=np.full(n, np.nan),
        last_answered_at=np.full(n, NEVER) if last_answered is None else np.asarray(last_answered, dtype=float),
        predictions=CandidatePredictions(
            predicted_recall=as_array(predicted),
            recall_if_correct_tomorrow=as_array(correct),
            recall_if_wrong_tomorrow=as_array(wrong),
            recall_if_skipped_tomorrow=as_array(skipped),
        ),
    )


def _choose(policy, candidates, seed=0, **options):
    return create_policy(policy, **options).choose(candidates, now=NOW, rng=np.random.default_rng(seed))


def test_delta_picks_the_largest_expected_gain_in_tomorrows_recall():
    # gains: |0.5*0.9 + 0.5*0.5 - 0.6| = 0.10, |0.9*0.95 + 0.1*0.6 - 0.9| = 0.015, |0.2*0.8 + 0.8*0.3 - 0.1| = 0.30
    candidates = _candidates([0.5, 0.9, 0.2], correct=[0.9, 0.95, 0.8], wrong=[0.5, 0.6, 0.3], skipped=[0.6, 0.9, 0.1])
    decision = _choose("delta", candidates)
    assert decision.card_id == "card-2"
    assert decision.policy == "delta"
    assert decision.predicted_recall == pytest.approx(0.2)
    assert decision.probability == 1.0


def test_delta_compares_with_tomorrows_no_study_recall_not_todays():
    # Card 0 is recalled now (0.9) but forgotten by tomorrow without study (0.3): studying it
    # today gains 0.615. Card 1 gains 0.15. Compared with recall *now* instead, card 0 would
    # gain only 0.015 and card 1 0.1, so the wrong formula picks card 1.
    p_now = np.array([0.9, 0.5])
    correct, wrong, skipped = np.array([0.95, 0.9]), np.array([0.6, 0.3]), np.array([0.3, 0.45])
    expected_tomorrow = p_now * correct + (1 - p_now) * wrong
    assert np.argmax(np.abs(expected_tomorrow - p_now)) == 1
    decision = _choose("delta", _candidates(p_now, correct=correct, wrong=wrong, skipped=skipped))
    assert decision.card_id == "card-0"


def test_delta_ranks_new_cards_by_the_same_predictions():
    candidates = _candidates(
        [0.1, 0.6], correct=[0.7, 0.8], wrong=[0.2, 0.5], skipped=[0.05, 0.4], is_new=[True, True]
    )
    # gains: |0.1*0.7 + 0.9*0.2 - 0.05| = 0.20, |0.6*0.8 + 0.4*0.5 - 0.4| = 0.28
    assert _choose("delta", candidates).card_id == "card-1"


def test_delta_without_lookahead_predictions_is_a_clear_error():
    with pytest.raises(ValueError, match="recall_if_correct_tomorrow"):
        _choose("delta", _candidates([0.5, 0.6]))


def test_recall_target_picks_the_card_closest_to_the_target_retention():
    candidates = _candidates([0.99, 0.83, 0.4, 0.7])
    assert _choose("recall_target", candidates).card_id == "card-1"
    assert _choose("recall_target", candidates, target=0.5).card_id == "card-2"


def test_recall_target_aims_at_the_learners_own_target_and_keeps_its_other_options():
    candidates = _candidates([0.99, 0.83, 0.4, 0.7])
    learners_policy = create_policy("recall_target", window=0.1).for_learner(target_retention=0.65)
    assert (learners_policy.target, learners_policy.window) == (0.65, 0.1)
    assert learners_policy.choose(candidates, now=NOW, rng=np.random.default_rng(0)).card_id == "card-3"
    delta = create_policy("delta")
    assert delta.for_learner(target_retention=0.65) is delta


def test_recall_target_window_leaves_nothing_to_study_when_no_card_is_near():
    candidates = _candidates([0.99, 0.3])
    assert _choose("recall_target", candidates, window=0.05) is None
    assert _choose("recall_target", candidates, window=0.2).card_id == "card-0"


def test_a_card_answered_minutes_ago_is_skipped_unless_it_is_alone():
    just_now = NOW - 60
    candidates = _candidates([0.85, 0.6], last_answered=[just_now, NOW - 3600])
    assert _choose("recall_target", candidates).card_id == "card-1"
    assert _choose("recall_target", candidates, cooldown_seconds=30).card_id == "card-0"
    alone = _candidates([0.2], last_answered=[just_now])
    assert _choose("recall_target", alone).card_id == "card-0"
    assert _choose("random", alone).card_id == "card-0"


def test_random_policy_logs_one_over_the_number_of_eligible_cards_and_covers_them():
    candidates = _candidates([0.5] * 4, last_answered=[NOW - 10, NEVER, NEVER, NEVER])
    chosen = {_choose("random", candidates, seed=seed).card_id for seed in range(60)}
    assert chosen == {"card-1", "card-2", "card-3"}
    assert _choose("random", candidates).probability == pytest.approx(1 / 3)


def test_exploration_logs_the_true_probability_of_the_card_shown():
    candidates = _candidates([0.85, 0.1, 0.2, 0.3])
    decisions = [_choose("recall_target", candidates, seed=seed, exploration=0.4) for seed in range(200)]
    for decision in decisions:
        expected = 0.6 + 0.1 if decision.card_id == "card-0" else 0.1
        assert decision.probability == pytest.approx(expected)
    assert {decision.card_id for decision in decisions} == {"card-0", "card-1", "card-2", "card-3"}


def test_nothing_to_choose_from_gives_none():
    assert _choose("delta", _candidates([])) is None
    assert _choose("random", _candidates([])) is None


def test_daily_limits_drop_new_cards_then_reviews_once_reached():
    candidates = _candidates([0.5, 0.6, 0.7], is_new=[True, False, False], correct=[0.1, 0.2, 0.3])
    under = apply_daily_limits(candidates, new_studied_today=4, reviews_today=10, new_per_day=5, reviews_per_day=50)
    assert list(under.card_ids) == ["card-0", "card-1", "card-2"]
    no_new = apply_daily_limits(candidates, new_studied_today=5, reviews_today=10, new_per_day=5, reviews_per_day=50)
    assert list(no_new.card_ids) == ["card-1", "card-2"]
    assert list(no_new.recall_if_correct_tomorrow) == [0.2, 0.3]
    no_reviews = apply_daily_limits(candidates, new_studied_today=0, reviews_today=50, new_per_day=5, reviews_per_day=50)
    assert list(no_reviews.card_ids) == ["card-0"]
    unlimited = apply_daily_limits(candidates, new_studied_today=99, reviews_today=99, new_per_day=None, reviews_per_day=None)
    assert len(unlimited) == 3


def test_unknown_policy_names_the_known_ones():
    with pytest.raises(ValueError, match="delta"):
        create_policy("leitner")
