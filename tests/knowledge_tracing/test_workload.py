"""Workload against target retention: intervals as the fsrs scheduler sets them, more reviews for a higher target."""

import numpy as np
import pytest
from fsrs import Scheduler

from knowledge_tracing.fsrs_memory import DEFAULT_FSRS6_PARAMETERS
from knowledge_tracing.simulation.workload import TARGET_RETENTIONS, interval_days, simulate_workload, workload_by_retention


@pytest.mark.parametrize("retention", [0.75, 0.85, 0.97])
def test_intervals_are_those_of_the_fsrs_scheduler(retention):
    stabilities = np.array([0.2, 1.0, 3.7, 25.0, 400.0])
    scheduler = Scheduler(desired_retention=retention, enable_fuzzing=False)
    expected = [scheduler._next_interval(stability=float(stability)) for stability in stabilities]
    assert interval_days(stabilities, retention, DEFAULT_FSRS6_PARAMETERS[20]).tolist() == expected


def test_a_higher_target_costs_more_reviews_and_keeps_more_in_memory():
    rng = np.random.default_rng(1)
    stability, difficulty, days_since = rng.lognormal(1.5, 1.0, 500), rng.uniform(2, 9, 500), rng.integers(0, 15, 500)
    points = workload_by_retention(stability, difficulty, days_since, days=60)
    assert [point.target_retention for point in points] == list(TARGET_RETENTIONS) == [round(0.75 + 0.02 * i, 2) for i in range(12)]
    assert points[-1].mean_daily_reviews > 2 * points[0].mean_daily_reviews
    assert points[-1].expected_recall_at_end > points[0].expected_recall_at_end


def test_a_card_reviewed_today_with_long_stability_is_not_reviewed_within_the_horizon():
    point = simulate_workload(np.array([365.0]), np.array([5.0]), np.array([0]), target_retention=0.9, days=30)
    assert point.mean_daily_reviews == 0
    overdue = simulate_workload(np.array([1.0]), np.array([5.0]), np.array([30]), target_retention=0.9, days=1)
    assert overdue.mean_daily_reviews == 1  # due long ago: reviewed on the first day
