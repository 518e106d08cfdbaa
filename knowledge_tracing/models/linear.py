"""The linear pieces that logistic regression and KARL share: feature standardising and the regularised logit.

``Standardiser`` clips each feature to its training range, centres and scales it;
``RegularisedLogit`` is an L2 logistic regression with sign-constrained clock weights
whose C is chosen on validation rows. ``logreg`` is two of them (one per regime), and
KARL starts its linear paths from them (``karl._warm_start_linear``); one definition
keeps the two models' linear parts the same.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.metrics import log_loss
from threadpoolctl import threadpool_limits

from knowledge_tracing.history.features import CLOCK_FEATURE_DIRECTIONS, FEATURE_NAMES


class Standardiser:
    """Feature-wise clipping to the training range, centring and scaling, fitted on training rows.

    Values are first clipped to the range the training rows spanned, so a model asked
    about inputs it never saw (gaps of seconds or of a year when it learned from
    day-spaced logs, a learner back after months) answers as at the nearest edge of
    its experience instead of extending a linear or ReLU response without bound.
    Constant columns keep scale 1.
    """

    def __init__(self, width: int = len(FEATURE_NAMES)) -> None:
        self.mean, self.scale = np.zeros(width), np.ones(width)
        self.low, self.high = np.full(width, -np.inf), np.full(width, np.inf)

    def fit(self, features: np.ndarray) -> "Standardiser":
        if len(features) == 0:
            return self
        self.mean = features.mean(axis=0)
        deviation = features.std(axis=0)
        self.scale = np.where(deviation > 1e-9, deviation, 1.0)
        self.low, self.high = features.min(axis=0), features.max(axis=0)
        return self

    def __call__(self, features: np.ndarray, columns: slice = slice(None)) -> np.ndarray:
        """Standardised ``features`` (..., the feature columns ``columns``), in one new array (a fit's largest)."""
        standardised = np.clip(features, self.low[columns], self.high[columns]).astype(np.float64, copy=False)
        standardised -= self.mean[columns]
        standardised /= self.scale[columns]
        return standardised

    def state(self) -> dict:
        return {name: torch.as_tensor(getattr(self, name)) for name in ("mean", "scale", "low", "high")}

    @classmethod
    def from_state(cls, state: dict) -> "Standardiser":
        """Inverse of ``state``; artifacts saved before clipping have no range and are not clipped."""
        standardiser = cls(len(state["mean"]))
        for name in ("mean", "scale", "low", "high"):
            if name in state:
                setattr(standardiser, name, np.asarray(state[name], dtype=np.float64))
        return standardiser


SELECTION_ROWS = 100_000
"""Training rows on which ``RegularisedLogit`` tries its C grid. Every try is tens to hundreds of passes
over its rows; beyond this many the choice of C barely moves (on a million synthetic logs the held-out
log loss moved by 0.00001, docs/training.md)."""


def _monotone_weight_bounds() -> list[tuple[float | None, float | None]]:
    """Per feature, the weights allowed: recall may not rise as a clock feature moves with time."""
    allowed = {1: (None, 0.0), -1: (0.0, None)}
    return [allowed.get(CLOCK_FEATURE_DIRECTIONS.get(name), (None, None)) for name in FEATURE_NAMES]


class RegularisedLogit:
    """One standardised L2 logistic regression whose C is chosen on validation rows.

    The weights of the features that read the clock (``CLOCK_FEATURE_DIRECTIONS``)
    are sign-constrained, so that a pair's predicted recall never rises as time passes
    without study; standardising and clipping keep each feature's order, so the
    constraint holds on raw features too. scikit-learn's logistic regression takes no
    bounds, so the same objective (log loss plus ||w||^2 / 2C, intercept free) is
    minimised by scipy's bounded L-BFGS. ``extra_bounds`` gives the allowed weights of
    columns a caller appends after the history features (KARL's transfer, at least 0).
    """

    def __init__(self, extra_bounds: tuple[tuple[float | None, float | None], ...] = ()) -> None:
        self.bounds = _monotone_weight_bounds() + list(extra_bounds)
        self.standardiser = Standardiser(len(self.bounds))
        self.weights = np.zeros(len(self.bounds))
        self.bias = 0.0

    def fit(
        self, x_train, y_train, x_valid, y_valid, c_grid, *, refit_on_validation: bool = True, max_selection_rows: int = SELECTION_ROWS
    ) -> list[dict]:
        """Try each C on the validation rows, then fit with the best; the trials.

        The C are tried from the smallest up, each fit starting from the previous
        one's solution, on at most ``max_selection_rows`` training rows (evenly spaced
        through them, so every learner's stretch of the log is represented). The final
        fit, warm-started from the chosen C's solution, is on every training and
        validation row together, or, with ``refit_on_validation=False``, on the training
        rows only, so that the validation rows can still judge the fit against another
        model (KARL's warm start). Choosing C is thus a bounded cost, and only the final
        fit grows with the log.
        """
        x_all, y_all = np.concatenate([x_train, x_valid]), np.concatenate([y_train, y_valid])
        if not refit_on_validation:
            x_all, y_all = x_train, y_train
        if len(np.unique(y_all)) < 2:
            self.bias = float(np.log((y_all.mean() + 1e-3) / (1.0 - y_all.mean() + 1e-3))) if len(y_all) else 0.0
            return []
        trials, solutions = [], {}
        if len(x_train) > max_selection_rows:
            sample = np.linspace(0, len(x_train) - 1, max_selection_rows).round().astype(np.int64)
            x_train, y_train = x_train[sample], y_train[sample]
        if len(np.unique(y_train)) == 2 and len(y_valid):
            self.standardiser.fit(x_train)
            standardised_train, standardised_valid = self.standardiser(x_train), self.standardiser(x_valid)
            start = None
            for c in sorted(c_grid):
                weights, bias = _bounded_logit(standardised_train, y_train, c, self.bounds, start=start)
                start = solutions[c] = np.append(weights, bias)
                predicted = expit(standardised_valid @ weights + bias)
                trials.append({"C": c, "valid_log_loss": float(log_loss(y_valid, predicted, labels=[0, 1]))})
        best_c = min(trials, key=lambda trial: trial["valid_log_loss"])["C"] if trials else min(c_grid)
        self.standardiser.fit(x_all)
        self.weights, self.bias = _bounded_logit(self.standardiser(x_all), y_all, best_c, self.bounds, start=solutions.get(best_c))
        return trials

    def probability(self, features: np.ndarray) -> np.ndarray:
        return expit(self.standardiser(features) @ self.weights + self.bias)

    def state(self) -> dict:
        return {
            **self.standardiser.state(),
            "weights": torch.as_tensor(self.weights),
            "bias": self.bias,
        }

    def restore(self, state: dict) -> None:
        self.standardiser = Standardiser.from_state({name: state[name].numpy() for name in ("mean", "scale", "low", "high") if name in state})
        self.weights = state["weights"].numpy()
        self.bias = float(state["bias"])


def _bounded_logit(x: np.ndarray, y: np.ndarray, c: float, bounds: list, *, start: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Weights and intercept minimising mean log loss + ||w||^2 / (2 C n), within ``bounds`` (one per column).

    ``start`` (weights, then intercept) is where the optimiser begins, zero without it:
    the fit for a C started from the solution of the next smaller C, or the final fit on
    more rows from the chosen C's solution, needs a fraction of the passes over the rows
    that a start from zero does.
    """
    n, width = x.shape
    target = np.asarray(y, dtype=np.float64)

    def objective(parameters: np.ndarray) -> tuple[float, np.ndarray]:
        weights, bias = parameters[:width], parameters[width]
        logit = x @ weights + bias
        loss = np.mean(np.logaddexp(0.0, logit) - target * logit) + weights @ weights / (2.0 * c * n)
        residual = (expit(logit) - target) / n
        gradient = np.append(x.T @ residual + weights / (c * n), residual.sum())
        return float(loss), gradient

    # One BLAS thread: L-BFGS-B's own steps are BLAS calls on vectors of ``width + 1``
    # numbers, thousands per fit, and waking a thread pool for each costs far more than
    # the arithmetic (measured: about 60 times the CPU of one thread, worse on a busy machine).
    with threadpool_limits(limits=1, user_api="blas"):
        fitted = minimize(
            objective, np.zeros(width + 1) if start is None else start, jac=True, method="L-BFGS-B",
            bounds=bounds + [(None, None)], options={"maxiter": 2000},
        )
    return fitted.x[:width].copy(), float(fitted.x[width])
