"""Model due order and the model's intervals: what is shown when, and that a due date is where the forecast reaches the target."""

import numpy as np
import pytest

from knowledge_tracing.history.fsrs_memory import SECONDS_PER_DAY
from knowledge_tracing.models import create_model
from knowledge_tracing.models.incremental import CandidatePredictions
from knowledge_tracing.policies import Candidates, create_policy
from knowledge_tracing.policies.intervals import INTERVAL_GRID_SECONDS, due_intervals_from_curves, model_due_times
from knowledge_tracing.simulation import CardNeighbours, simulated_population
from knowledge_tracing.simulation.experiment import START_TIME
from knowledge_tracing.simulation.study import StudyPlan, study_deck, study_logs_table

NOW = 1_700_000_000.0


def _candidates(predicted, due_in_seconds, is_new):
    n = len(predicted)
    return Candidates(
        card_ids=np.arange(n),
        is_new=np.asarray(is_new, bool),
        due_at=NOW + np.asarray(due_in_seconds, float),
        last_answered_at=np.where(np.asarray(is_new, bool), np.nan, NOW - SECONDS_PER_DAY),
        predictions=CandidatePredictions(np.asarray(predicted, float), *np.full((3, n), np.nan)),
    )


def _choose(candidates):
    return create_policy("model_due").for_learner(target_retention=0.9).choose(candidates, now=NOW, rng=np.random.default_rng(0))


def test_the_due_review_predicted_best_recalled_comes_first_and_reviews_not_due_wait():
    # card 0 due, 0.6 now; card 1 due, 0.85 now; card 2 not due yet (in an hour), 0.99; card 3 new
    decision = _choose(_candidates([0.6, 0.85, 0.99, 0.3], [-60, -10, 3600, np.nan], [False, False, False, True]))
    assert decision.card_id == 1 and decision.policy == "model_due" and decision.predicted_recall == pytest.approx(0.85)


def test_new_cards_in_deck_order_once_no_review_is_due_then_nothing():
    assert _choose(_candidates([0.99, 0.2, 0.7], [3600, np.nan, np.nan], [False, True, True])).card_id == 1
    assert _choose(_candidates([0.99], [3600], [False])) is None


def test_it_needs_the_models_predictions():
    with pytest.raises(ValueError, match="model predictions"):
        _choose(_candidates([np.nan, np.nan], [-60, -60], [False, False]))


def test_a_due_date_is_where_the_forecast_curve_reaches_the_target():
    grid = INTERVAL_GRID_SECONDS
    stabilities = np.array([0.5, 3.0, 40.0]) * SECONDS_PER_DAY
    curves = np.exp(-grid[None, :] / stabilities[:, None])
    intervals = due_intervals_from_curves(curves, target=0.9)
    crossing = -stabilities * np.log(0.9)
    assert np.all(intervals >= crossing) and np.all(intervals < crossing * 1.1)  # the first grid point past the crossing


def test_intervals_never_shrink_with_a_better_grade_and_stay_on_the_grid():
    grid = INTERVAL_GRID_SECONDS
    curves = np.stack([np.full(len(grid), 0.5), np.exp(-grid / (9 * SECONDS_PER_DAY)), np.exp(-grid / SECONDS_PER_DAY), np.ones(len(grid))])
    intervals = due_intervals_from_curves(curves, target=0.9)
    assert intervals[0] == grid[0]  # already below the target: back in a minute
    assert intervals[2] == intervals[1]  # Good forecast lower than Hard's: not shorter than Hard
    assert intervals[3] == grid[-1]  # never falls to the target within a year


@pytest.fixture(scope="module")
def fitted_history():
    """A logistic regression fitted on simulated learners, and one learner's log to forecast from."""
    neighbours = CardNeighbours.from_embeddings(np.random.default_rng(2).normal(size=(20, 8)))
    learners = simulated_population(5, neighbours=neighbours, seed=4)
    plan = StudyPlan(days=6, daily_budget_seconds=300, new_per_day=6)
    logs = [study_deck(learner, create_policy("random"), plan, start_time=START_TIME, rng=np.random.default_rng(i)) for i, learner in enumerate(learners)]
    table = study_logs_table(logs, n_cards=20, item_embeddings=None)
    model = create_model("logreg", seed=0)
    model.fit(table.take(table.learner < 4), table.take(table.learner == 4))
    return model, study_logs_table(logs[4:], n_cards=20, item_embeddings=None)


def test_at_the_due_time_the_model_forecasts_the_target_for_every_grade(fitted_history):
    model, history = fitted_history
    item, now = int(history.item[-1]), float(history.time.max()) + 3600.0
    due = model_due_times(model, item, now=now, target=0.85, history=history)
    assert np.all(np.diff(due) >= 0) and np.all(due > now)
    for grade, moment in zip((1, 2, 3, 4), due):
        answered = model.learner_state(history, 0)
        answered.record(item, now, int(grade > 1), grade)
        step = np.searchsorted(INTERVAL_GRID_SECONDS, moment - now)
        if 0 < step < len(INTERVAL_GRID_SECONDS) - 1 and moment - now == INTERVAL_GRID_SECONDS[step]:
            assert model.recall_at(answered, [item], float(moment))[0] <= 0.85  # due: at or below the target
            before = now + INTERVAL_GRID_SECONDS[step - 1]
            assert model.recall_at(answered, [item], before)[0] > 0.85 or grade > 1  # not yet, one grid point earlier


def test_the_curve_in_one_pass_equals_asking_time_by_time(fitted_history):
    model, history = fitted_history
    state, item = model.learner_state(history, 0), int(history.item[0])
    times = float(history.time.max()) + np.array([60.0, 3600.0, 3 * SECONDS_PER_DAY])
    one_pass = model.recall_over_time(state, item, times)
    assert one_pass == pytest.approx([model.recall_at(state, [item], moment)[0] for moment in times], abs=1e-6)


def test_models_without_a_learner_state_forecast_through_hypothetical_rows(fitted_history):
    _, history = fitted_history
    model = create_model("fsrs6-default")
    model.fit(history)
    now = float(history.time.max()) + 3600.0
    due = model_due_times(model, int(history.item[-1]), now=now, target=0.9, history=history)
    assert np.all(np.diff(due) >= 0) and now < due[2] < now + 365 * SECONDS_PER_DAY


def test_the_simulator_keeps_the_due_dates_a_model_schedule_gives():
    neighbours = CardNeighbours.from_embeddings(np.random.default_rng(1).normal(size=(12, 8)))
    learner = simulated_population(1, neighbours=neighbours, seed=2)[0]
    plan = StudyPlan(days=3, daily_budget_seconds=600, new_per_day=4)
    two_days = 2 * SECONDS_PER_DAY

    def predictor(history, items, now):
        ones = np.full(len(items), 0.5)
        return CandidatePredictions(ones, ones, ones, ones)

    log = study_deck(
        learner, create_policy("model_due"), plan, start_time=NOW, rng=np.random.default_rng(0),
        predictor=predictor, due_forecaster=lambda history, card, now, grade: now + two_days,
    )
    day = (np.asarray(log.time) - np.floor(NOW / SECONDS_PER_DAY) * SECONDS_PER_DAY) // SECONDS_PER_DAY
    cards = np.asarray(log.card)
    assert len(set(cards[day == 0])) == len(cards[day == 0]) == 4  # four new cards, none repeated within its two days
    assert not set(cards[day == 1]) & set(cards[day == 0])  # the next day only new cards
    assert set(cards[day == 0]) <= set(cards[day == 2])  # due two days later, they come back
