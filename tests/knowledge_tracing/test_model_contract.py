"""Every registered model fulfils the contract on tiny generated data.

It learns something (beats the constant model's log loss on held-out learners),
saving then loading gives identical predictions, and a prediction never depends on
its own row's answer or on any later answer. It declares what the evaluation command
and the scheduler rely on, and a model that offers the incremental interface the
scheduler dispatches on (``IncrementalModel``) predicts through it what it predicts
for the same rows appended to the learner's history.
"""

from dataclasses import replace

import numpy as np
import pytest
import torch

from knowledge_tracing import metrics
from knowledge_tracing.data.synthetic import generate_study_log
from knowledge_tracing.history.fsrs_memory import SECONDS_PER_DAY
from knowledge_tracing.models import MODEL_REGISTRY, StudentModel, create_model
from knowledge_tracing.models.incremental import CandidatePredictions, IncrementalModel
from knowledge_tracing.policies.predictions import predict_by_hypothetical_rows, predict_candidates, recall_if_not_studied

# Small, quick settings per model so the whole contract runs in seconds on 2 CPU cores.
# DKT keeps its high rate: 8 validation learners are too noisy for decay on plateau.
FAST_SETTINGS = {
    "dkt": {"max_epochs": 10, "lr_decay": 1.0, "hidden_size": 32, "embedding_dim": 32, "learning_rate": 1e-2, "batch_size": 8},
    "cakt": {"max_epochs": 8, "frame_size": 4, "learning_rate": 3e-3, "batch_size": 2},
    "akt": {"max_epochs": 12, "width": 32, "heads": 4, "head_hidden": 32, "learning_rate": 3e-3, "batch_size": 2},
    "gru": {"max_epochs": 10},
}
EMBEDDING_DIM = 16


def _with_test_embeddings(table):
    """Deterministic unit vectors per item, so text-based models run without loading an encoder."""
    rng = np.random.default_rng(11)
    embeddings = rng.normal(size=(table.n_items, EMBEDDING_DIM))
    return table.with_embeddings(embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True))


@pytest.fixture(scope="module")
def splits():
    torch.set_num_threads(1)
    train = _with_test_embeddings(generate_study_log(seed=1))
    valid = _with_test_embeddings(generate_study_log(seed=3, n_learners=8, n_logs=800))
    test = _with_test_embeddings(generate_study_log(seed=2))
    return train, valid, test


@pytest.fixture(scope="module")
def fitted(splits):
    """One fitted model per registered name, shared by the tests below."""
    train, valid, _ = splits
    models = {}
    for name in MODEL_REGISTRY:
        model = create_model(name, seed=0, **FAST_SETTINGS.get(name, {}))
        model.fit(train, valid)
        models[name] = model
    return models


@pytest.mark.parametrize("name", sorted(MODEL_REGISTRY))
def test_model_beats_the_constant_model(name, splits, fitted):
    train, _, test = splits
    predicted = fitted[name].predict_proba(test)
    assert predicted.shape == (len(test),)
    assert np.all((predicted > 0) & (predicted < 1))
    if name == "constant":
        return
    constant_losses = [
        metrics.log_loss(test.outcome, fitted["constant"].predict_proba(test)),
        metrics.log_loss(test.outcome, np.full(len(test), train.outcome.mean())),
    ]
    assert metrics.log_loss(test.outcome, predicted) < min(constant_losses)


@pytest.mark.parametrize("name", sorted(MODEL_REGISTRY))
def test_save_then_load_predicts_identically(name, splits, fitted, tmp_path):
    test = splits[2]
    path = tmp_path / f"{name}.pt"
    fitted[name].save(path)
    loaded = StudentModel.load(path)
    assert type(loaded) is type(fitted[name])
    np.testing.assert_array_equal(loaded.predict_proba(test), fitted[name].predict_proba(test))


@pytest.mark.parametrize("name", sorted(MODEL_REGISTRY))
def test_changing_an_answer_never_changes_that_or_an_earlier_prediction(name, splits, fitted):
    test = splits[2]
    bounds = test.learner_boundaries()
    changed_row = int((bounds[0] + bounds[1]) // 2)
    outcome = test.outcome.copy()
    grade = test.grade.copy()
    outcome[changed_row] = 1 - outcome[changed_row]
    grade[changed_row] = 3 if outcome[changed_row] else 1
    altered = replace(test, outcome=outcome, grade=grade)
    before = fitted[name].predict_proba(test)
    after = fitted[name].predict_proba(altered)
    unaffected = np.ones(len(test), dtype=bool)
    unaffected[changed_row + 1 : bounds[1]] = False
    np.testing.assert_array_equal(after[unaffected], before[unaffected])


HORIZONS_DAYS = (0, 1, 7, 30)


@pytest.mark.parametrize("name", sorted(MODEL_REGISTRY))
def test_recall_if_not_studied_forecasts_forgetting_when_the_model_reads_time(name, splits, fitted):
    """Every model can say what a learner will recall at a later moment; one that reads time forgets, one that does not says so."""
    test = splits[2]
    history = test.take(test.learner == 0)
    items = np.unique(history.item)
    now = float(history.time.max()) + 3_600.0
    model = fitted[name]
    forecast = {
        days: recall_if_not_studied(model, history, items, now=now, at=now + days * SECONDS_PER_DAY) for days in HORIZONS_DAYS
    }
    outlook = predict_candidates(model, history, items, now=now)
    np.testing.assert_allclose(forecast[0], outlook.predicted_recall, rtol=0, atol=1e-6)
    np.testing.assert_allclose(forecast[1], outlook.recall_if_skipped_tomorrow, rtol=0, atol=1e-6)
    if not model.reads_time:
        for days in HORIZONS_DAYS:
            np.testing.assert_allclose(forecast[days], forecast[0], rtol=0, atol=1e-6)
        return
    assert forecast[30].mean() < forecast[7].mean() < forecast[1].mean()
    assert np.all(forecast[30] <= forecast[1] + 1e-6)


def test_recall_cannot_be_forecast_for_a_moment_already_past(splits, fitted):
    history = splits[2].take(splits[2].learner == 0)
    now = float(history.time.max())
    with pytest.raises(ValueError, match="at or after now"):
        recall_if_not_studied(fitted["hlr"], history, np.unique(history.item), now=now, at=now - 1.0)


@pytest.mark.parametrize("name", sorted(MODEL_REGISTRY))
def test_the_model_declares_what_evaluation_and_the_scheduler_rely_on(name, fitted):
    model_class = MODEL_REGISTRY[name]
    assert isinstance(model_class.requires_timestamps, bool)
    assert isinstance(model_class.uses_validation, bool)
    assert isinstance(model_class.reads_time, bool)
    assert isinstance(fitted[name], IncrementalModel) == (name in {"karl", "logreg"})


@pytest.mark.parametrize("name", sorted(MODEL_REGISTRY))
def test_the_incremental_interface_predicts_what_appended_rows_predict(name, splits, fitted):
    """The scheduler's fast path (a kept learner state) predicts what the model predicts for the same rows appended.

    A model without the interface is scored through the generic path; a state kept
    answer by answer is the state built from the log.
    """
    model = fitted[name]
    test = splits[2]
    history = test.take(test.learner == 0)
    items = np.arange(test.n_items)
    now = float(history.time.max()) + 3_600.0
    dispatched = predict_candidates(model, history, items, now=now)
    assert isinstance(dispatched, CandidatePredictions)
    if not isinstance(model, IncrementalModel):
        generic = predict_by_hypothetical_rows(model, history, items, now=now)
        for field_name, values in vars(generic).items():
            np.testing.assert_array_equal(vars(dispatched)[field_name], values)
        return
    state = model.learner_state(history, 0)
    fast = model.candidate_predictions(state, items, now)
    np.testing.assert_array_equal(fast.predicted_recall, dispatched.predicted_recall)
    # The learner's own rows with one question appended, the learner's id kept (the item statistics leave the
    # learner's own training answers out, so a renumbered copy would be another learner).
    asked = [items[::7], now, fast.predicted_recall[::7]], [items[::7], now + SECONDS_PER_DAY, fast.recall_if_skipped_tomorrow[::7]]
    for asked_items, at, predicted in asked:
        appended = [model.predict_proba(_with_question(history, int(item), at))[-1] for item in asked_items]
        np.testing.assert_allclose(predicted, appended, rtol=1e-5)
    np.testing.assert_allclose(model.recall_at(state, items, now), fast.predicted_recall, rtol=1e-6)  # float32 network

    earlier = history.take(np.arange(len(history)) < len(history) - 5)
    kept = model.learner_state(earlier, 0)
    for row in range(len(history) - 5, len(history)):
        kept.record(int(history.item[row]), float(history.time[row]), int(history.outcome[row]), int(history.grade[row]),
                    float(history.duration_ms[row]))
    for field_name, values in vars(model.candidate_predictions(kept, items, now)).items():
        np.testing.assert_allclose(values, vars(fast)[field_name], rtol=1e-6)


def _with_question(history, item: int, at: float):
    """The learner's rows, then a question about ``item`` at ``at`` (its answer is never read)."""
    extra = {"learner": 0, "item": item, "time": at, "outcome": 0, "grade": 0, "duration_ms": np.nan, "concept": item}
    return replace(history, **{name: np.r_[getattr(history, name), value] for name, value in extra.items()})

