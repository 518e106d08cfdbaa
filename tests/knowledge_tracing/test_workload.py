"""Workload against target retention: intervals as the fsrs scheduler sets them, more reviews for a higher target, a smooth curve with a band."""

import numpy as np
import pytest
from fsrs import Scheduler

from knowledge_tracing.history.fsrs_memory import DEFAULT_FSRS6_PARAMETERS
from knowledge_tracing.simulation.workload import TARGET_RETENTIONS, interval_days, replicates_for, workload_by_retention


def _card_states(cards: int, seed: int):
    rng = np.random.default_rng(seed)
    return rng.lognormal(1.5, 1.0, cards), rng.uniform(2, 9, cards), rng.integers(0, 15, cards)


@pytest.mark.parametrize("retention", [0.75, 0.85, 0.97])
def test_intervals_are_those_of_the_fsrs_scheduler(retention):
    stabilities = np.array([0.2, 1.0, 3.7, 25.0, 400.0])
    scheduler = Scheduler(desired_retention=retention, enable_fuzzing=False)
    expected = [scheduler._next_interval(stability=float(stability)) for stability in stabilities]
    assert interval_days(stabilities, retention, DEFAULT_FSRS6_PARAMETERS[20]).tolist() == expected


def test_a_higher_target_costs_more_reviews_and_keeps_more_in_memory():
    points = workload_by_retention(*_card_states(500, seed=1), days=60)
    assert [point.target_retention for point in points] == list(TARGET_RETENTIONS) == [round(0.75 + 0.02 * i, 2) for i in range(12)]
    assert points[-1].mean_daily_reviews > 2 * points[0].mean_daily_reviews
    assert points[-1].expected_recall_at_end > points[0].expected_recall_at_end


def test_a_card_reviewed_today_with_long_stability_is_not_reviewed_within_the_horizon():
    (point,) = workload_by_retention([365.0], [5.0], [0], retentions=(0.9,), days=30)
    assert point.mean_daily_reviews == point.low_daily_reviews == point.high_daily_reviews == 0
    (overdue,) = workload_by_retention([1.0], [5.0], [30], retentions=(0.9,), days=1)
    assert overdue.mean_daily_reviews == 1  # due long ago: reviewed on the first day, in every replicate


@pytest.mark.parametrize("cards", [10, 30, 100])
def test_the_curve_never_falls_as_the_target_rises_and_its_band_holds_it(cards):
    for seed in range(5):
        points = workload_by_retention(*_card_states(cards, seed), seed=seed)
        mean = np.array([point.mean_daily_reviews for point in points])
        assert np.all(np.diff(mean) >= 0), (seed, mean.round(3).tolist())
        assert all(point.low_daily_reviews <= point.mean_daily_reviews <= point.high_daily_reviews for point in points)
        assert points[0].high_daily_reviews > points[0].low_daily_reviews


def test_one_simulated_future_alone_goes_up_and_down():
    """What the issue saw on a small deck, and why the curve averages replicates."""
    falls = [
        np.any(np.diff([point.mean_daily_reviews for point in workload_by_retention(*_card_states(10, seed), seed=seed, replicates=1)]) < 0)
        for seed in range(5)
    ]
    assert any(falls)


def test_small_decks_get_more_replicates_than_large_ones():
    assert replicates_for(10) == 32 and replicates_for(1000) == 8 and replicates_for(200) == 20
