"""Judging a policy against FSRS's curve of cards known against minutes studied (``simulation.workload_match``)."""

import numpy as np
import pytest

from knowledge_tracing.simulation.experiment import ComparisonSettings, run_policy_comparison
from knowledge_tracing.simulation.study import StudyPlan
from knowledge_tracing.simulation.workload_match import WorkloadCurve


def test_the_curve_interpolates_between_runs_from_what_was_known_before():
    curve = WorkloadCurve.from_points([50.0, 100.0], [60.0, 80.0], known_before=10.0)
    assert curve.known_at(0.0) == pytest.approx(10.0)
    assert curve.known_at(25.0) == pytest.approx(35.0)
    assert curve.known_at(75.0) == pytest.approx(70.0)
    assert curve.known_at(100.0) == pytest.approx(80.0)


def test_a_run_that_studied_more_and_knew_less_does_not_lower_the_curve():
    """A high target that spent 90 minutes on reviews to know 55 is dropped: the bar at 90 is the line from 60 to 100 minutes."""
    curve = WorkloadCurve.from_points([60.0, 90.0, 100.0], [70.0, 55.0, 80.0], known_before=0.0)
    assert curve.known_at(90.0) == pytest.approx(70.0 + (80.0 - 70.0) * 30.0 / 40.0)
    assert curve.known_at(60.0) == pytest.approx(70.0)
    best_run_is_not_the_longest = WorkloadCurve.from_points([60.0, 90.0], [70.0, 55.0], known_before=0.0)
    within = best_run_is_not_the_longest.compare(80.0, 70.0)
    assert within["fsrs_known_at_same_minutes"] == pytest.approx(70.0) and not within["beyond_curve"]
    assert best_run_is_not_the_longest.compare(95.0, 70.0)["beyond_curve"]


def test_equal_minutes_keep_the_best_run():
    curve = WorkloadCurve.from_points([100.0, 100.0, 100.0], [80.0, 92.0, 85.0], known_before=20.0)
    assert curve.known_at(100.0) == pytest.approx(92.0)
    assert curve.known_at(50.0) == pytest.approx(56.0)


def test_a_policy_is_compared_at_its_own_minutes_with_the_margin_and_where_it_fell():
    curve = WorkloadCurve.from_points([40.0, 80.0], [50.0, 70.0], known_before=10.0)
    above = curve.compare(60.0, 62.0)
    assert above["fsrs_known_at_same_minutes"] == pytest.approx(60.0)
    assert above["margin"] == pytest.approx(2.0)
    assert above["margin_per_minute"] == pytest.approx(2.0 / 60.0, abs=1e-4)
    assert above["at_or_above"] and not above["beyond_curve"] and not above["below_curve"]
    below = curve.compare(60.0, 59.0)
    assert below["margin"] == pytest.approx(-1.0) and not below["at_or_above"]
    assert curve.compare(20.0, 40.0)["below_curve"]
    beyond = curve.compare(95.0, 69.0)
    assert beyond["beyond_curve"] and beyond["fsrs_known_at_same_minutes"] == pytest.approx(70.0) and not beyond["at_or_above"]


def test_a_curve_refuses_points_it_cannot_place():
    with pytest.raises(ValueError):
        WorkloadCurve.from_points([-1.0], [5.0], known_before=0.0)
    with pytest.raises(ValueError):
        WorkloadCurve.from_points([10.0], [np.nan], known_before=0.0)


def test_the_comparison_traces_fsrs_on_the_same_learners_and_fsrs_itself_sits_on_its_curve():
    """FSRS at the plan's own target and full budget is one of the curve's runs (the same learners), so it is on the curve or below it."""
    embeddings = np.random.default_rng(3).normal(size=(30, 8))
    plan = StudyPlan(days=3, daily_budget_seconds=240.0, new_per_day=None, target_retention=0.85)
    settings = ComparisonSettings(
        policies=("fsrs", "random"), learners=2, warmup_learners=4, warmup_days=2, model="fsrs6-default", seed=4,
        plan=plan, fsrs_curve_retentions=(0.7, 0.85, 0.97), fsrs_curve_budget_shares=(0.5, 1.0),
    )
    report = run_policy_comparison(embeddings, settings)
    points = report["fsrs_curve"]["points"]
    assert [(point["target_retention"], point["budget_share"]) for point in points] == [
        (0.7, 0.5), (0.85, 0.5), (0.97, 0.5), (0.7, 1.0), (0.85, 1.0), (0.97, 1.0)
    ]
    half, full = points[:3], points[3:]
    assert max(point["minutes_studied"] for point in half) < min(point["minutes_studied"] for point in full)
    fsrs = next(result for result in report["results"] if result["policy"] == "fsrs")
    on_curve = next(point for point in full if point["target_retention"] == 0.85)
    assert (fsrs["minutes_studied"], fsrs["known_at_test"], fsrs["known_later"]) == pytest.approx(
        (on_curve["minutes_studied"], on_curve["known_at_test"], on_curve["known_later"])
    )
    assert fsrs["workload_matched"]["test"]["margin"] <= 0.0
    assert fsrs["workload_matched"]["later"]["margin"] <= 0.0
    random_policy = next(result for result in report["results"] if result["policy"] == "random")
    matched = random_policy["workload_matched"]["test"]
    assert matched["margin"] == pytest.approx(random_policy["known_at_test"] - matched["fsrs_known_at_same_minutes"], abs=0.02)
