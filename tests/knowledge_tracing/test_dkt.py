"""DKT and the sequence batching it shares with CAKT."""

from dataclasses import replace

import numpy as np
import torch

from knowledge_tracing.data.synthetic import generate_study_log
from knowledge_tracing.models import create_model
from knowledge_tracing.models.sequences import iterate_batches, learner_spans

FAST = {"hidden_size": 16, "embedding_dim": 16, "batch_size": 4, "max_epochs": 2, "learning_rate": 1e-2}


def test_windows_cover_every_row_once_and_batches_group_similar_lengths():
    table = generate_study_log(n_learners=7, n_logs=7 * 23, seed=0)
    spans = learner_spans(table, max_length=10)
    assert (spans[:, 1] - spans[:, 0]).max() == 10
    covered = np.concatenate([np.arange(start, end) for start, end in spans])
    assert sorted(covered.tolist()) == list(range(len(table)))

    batches = list(iterate_batches(table, 3, max_length=10, rng=np.random.default_rng(0)))
    rows = np.concatenate([batch.real_rows for batch in batches])
    assert sorted(rows.tolist()) == list(range(len(table)))
    for batch in batches:
        assert (table.outcome[batch.real_rows] == batch.outcome[batch.mask].numpy()).all()


def test_first_rows_are_predicted_from_an_empty_history():
    table = generate_study_log(n_learners=6, n_logs=120, seed=1)
    model = create_model("dkt", seed=0, **FAST)
    model.fit(table)
    predicted = model.predict_proba(table)
    first_rows = table.learner_boundaries()[:-1]
    same_concept_firsts = first_rows[table.concept[first_rows] == table.concept[first_rows[0]]]
    assert np.allclose(predicted[same_concept_firsts], predicted[same_concept_firsts[0]])


def test_a_later_answer_never_changes_an_earlier_prediction():
    torch.set_num_threads(1)
    table = generate_study_log(n_learners=6, n_logs=240, seed=2)
    model = create_model("dkt", seed=0, **FAST)
    model.fit(table)
    flipped_row = table.learner_boundaries()[2] + 15
    outcome = table.outcome.copy()
    outcome[flipped_row] = 1 - outcome[flipped_row]
    before = model.predict_proba(table)
    after = model.predict_proba(replace(table, outcome=outcome))
    assert np.array_equal(before[: flipped_row + 1], after[: flipped_row + 1])
    assert not np.allclose(before[flipped_row + 1 : flipped_row + 5], after[flipped_row + 1 : flipped_row + 5])


def test_a_padded_steps_cap_splits_batches_of_long_learners_without_changing_predictions():
    table = generate_study_log(n_learners=9, n_logs=9 * 40, seed=3)
    batches = list(iterate_batches(table, 8, max_padded_steps=100))
    for batch in batches:
        assert batch.mask.shape[0] == 1 or batch.mask.numel() <= 100
    rows = np.concatenate([batch.real_rows for batch in batches])
    assert sorted(rows.tolist()) == list(range(len(table)))

    model = create_model("dkt", seed=0, **FAST)
    model.fit(table)
    capped = model.predict_proba(table)
    model.hyperparameters["max_train_length"] = None
    assert np.allclose(model.predict_proba(table), capped, atol=1e-6)


def test_the_learning_rate_decays_after_each_epoch_without_progress():
    train = generate_study_log(n_learners=8, n_logs=400, seed=4)
    valid = generate_study_log(n_learners=4, n_logs=200, seed=5)
    model = create_model("dkt", seed=0, **{**FAST, "max_epochs": 8, "patience": 8, "lr_decay": 0.5})
    report = model.fit(train, valid)
    best = -np.inf
    for record, following in zip(report.epochs, report.epochs[1:]):
        improved = record["valid_auc"] >= best + model.hyperparameters["min_improvement"]
        best = record["valid_auc"] if improved else best
        expected = record["learning_rate"] * (1.0 if improved else 0.5)
        assert np.isclose(following["learning_rate"], expected)
    assert report.epochs[-1]["learning_rate"] < FAST["learning_rate"]


def test_a_gain_below_the_minimum_improvement_does_not_reset_patience():
    train = generate_study_log(n_learners=8, n_logs=400, seed=4)
    valid = generate_study_log(n_learners=4, n_logs=200, seed=5)
    model = create_model("dkt", seed=0, **{**FAST, "max_epochs": 8, "patience": 2, "min_improvement": 1.0})
    report = model.fit(train, valid)
    assert [record["epoch"] for record in report.epochs] == [1, 2, 3]
    assert report.best_epoch == 1
