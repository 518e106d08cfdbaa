"""Sequence models trained on each learner's recent windows, stopping on a fixed validation sample.

Bounding the windows and validating on a sample must keep what the models learn: on a
small fixed log, the held-out log loss of the bounded training stays within a small
tolerance of training on every window with the whole validation tail.
"""

import numpy as np
import pytest

from knowledge_tracing.data.synthetic import generate_study_log
from knowledge_tracing.metrics import log_loss
from knowledge_tracing.models import create_model
from knowledge_tracing.models.sequences import learner_spans, validation_sample

SMALL = {
    "dkt": {"hidden_size": 16, "embedding_dim": 16, "batch_size": 8, "max_epochs": 6, "learning_rate": 1e-2, "max_train_length": 20},
    "cakt": {"frame_size": 4, "batch_size": 8, "max_epochs": 8, "learning_rate": 3e-3, "max_train_length": 20},
}
# How each kind is bounded by default: DKT's windows and validation sample, CAKT's validation sample alone
# (it reads every window; cut to 2 windows of 20 steps here it lost accuracy).
BOUNDED = {"dkt": {"max_windows_per_learner": 2, "validation_learners": 8}, "cakt": {"validation_learners": 8}}
UNBOUNDED = {"max_windows_per_learner": None, "validation_learners": 0}


@pytest.fixture(scope="module")
def split():
    table = generate_study_log(n_learners=24, n_items=40, n_logs=24 * 120, n_concepts=6, seed=3)
    cutoff = np.quantile(table.time, 0.8)
    return table, table.take(table.time < cutoff), table.time >= cutoff


def test_only_the_most_recent_windows_of_each_learner_are_kept():
    table = generate_study_log(n_learners=5, n_logs=5 * 47, seed=0)
    every = learner_spans(table, max_length=10)
    recent = learner_spans(table, max_length=10, max_pieces=2)
    bounds = table.learner_boundaries()
    assert len(recent) == 2 * table.n_learners < len(every)
    for start, end in zip(bounds[:-1], bounds[1:]):
        mine = recent[(recent[:, 0] >= start) & (recent[:, 1] <= end)]
        assert mine[-1, 1] == end and len(mine) == 2  # the learner's newest rows, in windows that continue each other
        assert mine[0, 1] == mine[1, 0]


def test_the_validation_sample_is_fixed_and_holds_the_newest_rows_of_its_learners(split):
    _, train, _ = split
    rest, view = validation_sample(train, learners=5, fraction=0.25, seed=0)
    again, same = validation_sample(train, learners=5, fraction=0.25, seed=0)
    np.testing.assert_array_equal(view.rows, same.rows)
    assert len(np.unique(view.table.learner)) == 5
    assert len(rest) + view.rows.sum() == len(train)
    for learner in np.unique(view.table.learner):
        mine = view.table.learner == learner
        held = view.rows[mine]
        assert held.any() and held[-1] and not held[0]  # the tail of the learner's rows, their start kept as history
        assert view.table.time[mine][held].min() >= view.table.time[mine][~held].max()


@pytest.mark.parametrize("kind", sorted(SMALL))
def test_bounded_training_keeps_the_held_out_log_loss(kind, split):
    table, train, held_out = split
    losses, spread = {}, {}
    for name, bounds in {"bounded": BOUNDED[kind], "unbounded": UNBOUNDED}.items():
        model = create_model(kind, **SMALL[kind], **bounds)
        model.fit(train)
        predicted = model.predict_proba(table)[held_out]
        losses[name], spread[name] = log_loss(table.outcome[held_out], predicted), predicted.std()
    assert spread["bounded"] > 0.02  # it tells rows apart, not one rate for all
    assert losses["bounded"] == pytest.approx(losses["unbounded"], abs=0.02), losses
