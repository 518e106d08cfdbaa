"""A sequence model's time budget: past ``max_train_seconds`` the epoch under way ends, is validated, and training stops."""

import numpy as np
import pytest

from knowledge_tracing.data.synthetic import generate_study_log
from knowledge_tracing.models import create_model

SMALL = {
    "dkt": {"hidden_size": 8, "embedding_dim": 8, "batch_size": 4, "max_train_length": 20},
    "cakt": {"frame_size": 3, "batch_size": 4, "max_train_length": 20, "conv_chunk": 16},
    "akt": {"width": 16, "heads": 2, "head_hidden": 16, "batch_size": 4, "max_train_length": 20},
}


@pytest.fixture(scope="module")
def table():
    return generate_study_log(n_learners=16, n_items=30, n_logs=16 * 60, n_concepts=5, seed=1)


def _counting_steps(model) -> list[int]:
    """Count the optimiser steps ``model`` takes (its own method, called through)."""
    steps = []
    train_step = model._train_step

    def counted(batch, optimizer):
        steps.append(1)
        return train_step(batch, optimizer)

    model._train_step = counted
    return steps


@pytest.mark.parametrize("kind", sorted(SMALL))
def test_past_its_budget_a_model_stops_after_the_current_batch_with_a_validated_epoch(kind, table):
    model = create_model(kind, seed=0, max_epochs=50, patience=50, max_train_seconds=1e-9, **SMALL[kind])
    steps = _counting_steps(model)
    report = model.fit(table)

    assert len(steps) == 1  # a whole epoch here is several batches
    assert report.stopped_by == "time budget" and len(report.epochs) == 1
    assert report.epochs[0]["partial"] and "valid_auc" in report.epochs[0]
    assert report.best_epoch == 1
    assert np.isfinite(model.predict_proba(table)).all()


def test_without_a_budget_the_epochs_run_until_patience_or_the_cap(table):
    model = create_model("dkt", seed=0, max_epochs=3, patience=50, **SMALL["dkt"])
    steps = _counting_steps(model)
    report = model.fit(table)

    assert report.stopped_by == "max_epochs" and len(report.epochs) == 3
    assert not any(epoch.get("partial") for epoch in report.epochs)
    assert len(steps) > 3 * 2  # every batch of every epoch
