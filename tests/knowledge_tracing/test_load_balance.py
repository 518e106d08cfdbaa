"""The workload tools: the fuzz window, the least-loaded day, easy days, siblings apart; and in the simulator, an evener workload."""

from collections import Counter

import numpy as np
import pytest

from knowledge_tracing.policies import create_policy
from knowledge_tracing.policies.load_balance import WorkloadSettings, balanced_due_day, fuzz_window_days, weekday_of
from knowledge_tracing.simulation import CardNeighbours, simulated_population
from knowledge_tracing.simulation.experiment import START_TIME, daily_answer_counts, day_to_day_spread
from knowledge_tracing.simulation.study import StudyPlan, study_deck

MONDAY = 4  # day number 4 since the epoch (1970-01-05) was a Monday
SEEDS = range(200)


def _days(**options) -> Counter:
    return Counter(balanced_due_day(today=MONDAY, seed=seed, **options) for seed in SEEDS)


def test_day_numbers_have_their_weekdays():
    assert weekday_of(0) == 3 and weekday_of(MONDAY) == 0 and weekday_of(MONDAY + 6) == 6


@pytest.mark.parametrize(
    ("interval", "window"), [(1.0, (1, 1)), (2.0, (2, 2)), (3.0, (2, 4)), (10.0, (8, 12)), (100.0, (93, 107))]
)
def test_the_fuzz_window_is_ankis(interval, window):
    assert fuzz_window_days(interval) == window


def test_busy_days_are_avoided_within_the_window_only():
    chosen = _days(interval_days=10.0, due_counts={MONDAY + 8: 30, MONDAY + 9: 2, MONDAY + 10: 20, MONDAY + 11: 25, MONDAY + 12: 40})
    assert set(chosen) <= set(range(MONDAY + 8, MONDAY + 13))
    assert chosen.most_common(1)[0][0] == MONDAY + 9 and chosen[MONDAY + 9] > 0.9 * len(SEEDS)
    assert _days(interval_days=1.0, due_counts={MONDAY + 1: 99}) == Counter({MONDAY + 1: len(SEEDS)})  # no window below 2.5 days


def test_the_same_seed_gives_the_same_day():
    options = dict(today=MONDAY, interval_days=30.0, due_counts={})
    assert len({balanced_due_day(seed=7, **options) for _ in range(5)}) == 1


def test_easy_days_take_their_share():
    weekend_off = WorkloadSettings(weekday_load=(1, 1, 1, 1, 1, 0.0, 0.0))
    chosen = _days(interval_days=12.0, due_counts={}, settings=weekend_off)  # window Thursday (+10) to Monday (+14)
    assert {weekday_of(day) for day in chosen} <= {3, 4, 0}
    light_weekend = WorkloadSettings(weekday_load=(1, 1, 1, 1, 1, 0.5, 0.5))
    light = _days(interval_days=12.0, due_counts={}, settings=light_weekend)
    even = _days(interval_days=12.0, due_counts={})
    assert light[MONDAY + 12] + light[MONDAY + 13] < even[MONDAY + 12] + even[MONDAY + 13]


def test_siblings_are_not_due_the_same_day_while_the_window_allows():
    assert MONDAY + 10 not in _days(interval_days=10.0, due_counts={}, sibling_days={MONDAY + 10})
    window = set(range(MONDAY + 8, MONDAY + 13))
    assert set(_days(interval_days=10.0, due_counts={}, sibling_days=window)) <= window  # no way out: any day of it
    off = WorkloadSettings(balance=False, disperse_siblings=False)
    assert _days(interval_days=10.0, due_counts={MONDAY + 10: 50}, sibling_days={MONDAY + 10}, settings=off) == Counter({MONDAY + 10: len(SEEDS)})


def test_settings_refuse_nonsense():
    with pytest.raises(ValueError):
        WorkloadSettings(weekday_load=(1.0,) * 6)
    with pytest.raises(ValueError):
        WorkloadSettings(weekday_load=(0.0,) * 7)


def test_in_the_simulator_balancing_evens_the_daily_reviews_at_the_same_retention():
    neighbours = CardNeighbours.none(200)
    plan = StudyPlan(days=40, daily_budget_seconds=3 * 3600.0, new_per_day=8)

    def run(workload):
        counts, recalled = [], []
        for index, learner in enumerate(simulated_population(3, neighbours=neighbours, seed=5)):
            log = study_deck(learner, create_policy("fsrs"), plan, start_time=START_TIME, rng=np.random.default_rng(index), workload=workload)
            counts.append(daily_answer_counts(log, first_day=START_TIME, days=plan.days)[14:])
            recalled.append(np.mean(log.outcome))
        return np.mean([day_to_day_spread(day_counts) for day_counts in counts]), np.mean(recalled)

    spread_off, recall_off = run(WorkloadSettings(balance=False, disperse_siblings=False))
    spread_on, recall_on = run(WorkloadSettings())
    assert spread_on < spread_off
    assert abs(recall_on - recall_off) < 0.01
