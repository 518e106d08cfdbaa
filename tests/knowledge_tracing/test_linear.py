"""The regularised logit that logistic regression and KARL share: warm starts change the passes, not the answer."""

import numpy as np
import pytest

from knowledge_tracing.history.features import FEATURE_NAMES
from knowledge_tracing.models import linear
from knowledge_tracing.models.linear import RegularisedLogit

C_GRID = (0.001, 0.01, 0.1, 1.0, 10.0)


def _rows(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, len(FEATURE_NAMES))) * rng.uniform(0.5, 5.0, len(FEATURE_NAMES))
    truth = rng.normal(size=len(FEATURE_NAMES)) / np.sqrt(len(FEATURE_NAMES))
    y = (rng.random(n) < 1 / (1 + np.exp(-(x / x.std(axis=0)) @ truth))).astype(np.int8)
    return x, y


@pytest.fixture
def passes(monkeypatch):
    """The optimiser's passes over the rows (function evaluations), fit by fit."""
    counted = []
    minimize = linear.minimize

    def counting(*args, **kwargs):
        fitted = minimize(*args, **kwargs)
        counted.append(fitted.nfev)
        return fitted

    monkeypatch.setattr(linear, "minimize", counting)
    return counted


def test_warm_started_fits_find_the_cold_fits_solution_in_fewer_passes(passes):
    x, y = _rows(25_000, seed=0)
    x_train, y_train, x_valid, y_valid = x[:20_000], y[:20_000], x[20_000:], y[20_000:]
    warm = RegularisedLogit()
    trials = warm.fit(x_train, y_train, x_valid, y_valid, C_GRID)
    warm_passes = sum(passes)

    passes.clear()
    cold_losses = []
    for c in C_GRID:  # each C from zero, as the fit did before warm starts
        cold = RegularisedLogit()
        cold.standardiser.fit(x_train)
        weights, bias = linear._bounded_logit(cold.standardiser(x_train), y_train, c, cold.bounds)
        cold_losses.append(linear.log_loss(y_valid, linear.expit(cold.standardiser(x_valid) @ weights + bias)))
    best_c = C_GRID[int(np.argmin(cold_losses))]
    cold = RegularisedLogit()
    cold.standardiser.fit(np.concatenate([x_train, x_valid]))
    cold_weights, cold_bias = linear._bounded_logit(
        cold.standardiser(np.concatenate([x_train, x_valid])), np.concatenate([y_train, y_valid]), best_c, cold.bounds
    )
    cold_passes = sum(passes)

    np.testing.assert_allclose([trial["valid_log_loss"] for trial in trials], cold_losses, rtol=1e-4)
    np.testing.assert_allclose(warm.weights, cold_weights, atol=1e-3)
    assert warm.bias == pytest.approx(cold_bias, abs=1e-3)
    assert warm_passes < 0.8 * cold_passes


def test_the_grid_is_tried_from_the_strongest_regularisation_up_whatever_its_order():
    x, y = _rows(2_500, seed=2)
    x_train, y_train, x_valid, y_valid = x[:2_000], y[:2_000], x[2_000:], y[2_000:]
    trials = RegularisedLogit().fit(x_train, y_train, x_valid, y_valid, tuple(reversed(C_GRID)))
    assert [trial["C"] for trial in trials] == sorted(C_GRID)


def test_c_is_chosen_on_a_bounded_sample_and_the_final_fit_reads_every_row(monkeypatch):
    x, y = _rows(12_000, seed=4)
    x_train, y_train, x_valid, y_valid = x[:10_000], y[:10_000], x[10_000:], y[10_000:]
    rows_per_fit = []
    bounded_logit = linear._bounded_logit

    def recording(x_fit, *args, **kwargs):
        rows_per_fit.append(len(x_fit))
        return bounded_logit(x_fit, *args, **kwargs)

    monkeypatch.setattr(linear, "_bounded_logit", recording)
    regression = RegularisedLogit()
    trials = regression.fit(x_train, y_train, x_valid, y_valid, C_GRID, max_selection_rows=3_000)
    assert rows_per_fit == [3_000] * len(C_GRID) + [12_000]

    best_c = min(trials, key=lambda trial: trial["valid_log_loss"])["C"]
    full = RegularisedLogit()
    full.standardiser.fit(x)
    weights, _ = bounded_logit(full.standardiser(x), y, best_c, full.bounds)
    np.testing.assert_allclose(regression.weights, weights, atol=1e-3)
