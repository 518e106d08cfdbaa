"""AKT reads long review logs in windows, and a step never sees its own or a later answer."""

from dataclasses import replace

import numpy as np
import torch

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.models import create_model

WINDOW = 40
SMALL = {"width": 16, "heads": 2, "head_hidden": 16, "max_epochs": 2, "max_train_length": WINDOW, "batch_size": 4}


def long_learner(steps=300, seed=0):
    rng = np.random.default_rng(seed)
    concept = rng.integers(0, 5, steps)
    return StudyLogTable.from_columns(
        learner=np.zeros(steps),
        item=concept,
        time=np.arange(steps, dtype=float),
        outcome=rng.integers(0, 2, steps),
        has_timestamps=False,
    )


def test_a_long_learner_is_predicted_in_windows_from_the_steps_just_before():
    torch.manual_seed(0)
    table = long_learner()
    model = create_model("akt", seed=0, **SMALL)
    model.fit(long_learner(seed=1), long_learner(seed=2))
    spans, context = model._prediction_spans(table)
    predicted_rows = np.concatenate([np.arange(start + skip, end) for (start, end), skip in zip(spans, context)])
    np.testing.assert_array_equal(np.sort(predicted_rows), np.arange(len(table)))  # every step once
    assert (spans[:, 1] - spans[:, 0]).max() <= WINDOW

    before = model.predict_proba(table)
    changed_row = 150
    outcome = table.outcome.copy()
    outcome[changed_row] = 1 - outcome[changed_row]
    after = model.predict_proba(replace(table, outcome=outcome))
    np.testing.assert_array_equal(after[: changed_row + 1], before[: changed_row + 1])
    assert not np.allclose(after[changed_row + 1 : changed_row + 5], before[changed_row + 1 : changed_row + 5])
    # A step reads at most one window back, so answers further back no longer matter.
    np.testing.assert_array_equal(after[changed_row + WINDOW :], before[changed_row + WINDOW :])
