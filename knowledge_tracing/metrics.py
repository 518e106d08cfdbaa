"""How good predicted recall probabilities are: discrimination and calibration.

AUC and log loss come from scikit-learn so that figures compare with published ones;
ECE, the reliability diagram (which the admin charts) and the spaced-repetition
benchmark's RMSE over bins are computed here, and so is the benchmark's summary over
learners: each learner's figure, then their review-weighted mean with a bootstrap
interval over learners. Every function takes plain arrays: the
observed outcome (0/1) and the predicted probability of recall. scikit-learn (with
SciPy and pandas, some 150 MB) is imported by the two functions that use it, so a
process that imports this module only to show stored figures does not load it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

CALIBRATION_BINS = 10


def auc(outcome, predicted) -> float:
    """Area under the ROC curve; NaN when only one class is present (it is undefined)."""
    outcome = np.asarray(outcome)
    if len(np.unique(outcome)) < 2:
        return float("nan")
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(outcome, predicted))


def log_loss(outcome, predicted) -> float:
    """Mean binary cross-entropy (natural log), defined even when only one class is present."""
    if len(outcome) == 0:
        return float("nan")
    from sklearn.metrics import log_loss as sklearn_log_loss

    return float(sklearn_log_loss(outcome, np.asarray(predicted, dtype=np.float64), labels=[0, 1]))


def brier(outcome, predicted) -> float:
    """Mean squared difference between the predicted probability and the 0/1 outcome."""
    return float(np.mean((np.asarray(predicted, dtype=np.float64) - np.asarray(outcome)) ** 2))


@dataclass(frozen=True)
class ReliabilityBin:
    """One bar of a reliability diagram: predictions in [lower, upper)."""

    lower: float
    upper: float
    predicted_mean: float
    observed_rate: float
    count: int


def reliability_bins(outcome, predicted, n_bins: int = CALIBRATION_BINS) -> list[ReliabilityBin]:
    """Equal-width bins of the predicted probability (the last bin includes 1.0); empty bins omitted."""
    outcome = np.asarray(outcome, dtype=np.float64)
    predicted = np.asarray(predicted, dtype=np.float64)
    bin_of_row = np.minimum((predicted * n_bins).astype(np.int64), n_bins - 1)
    count = np.bincount(bin_of_row, minlength=n_bins)
    predicted_sum = np.bincount(bin_of_row, weights=predicted, minlength=n_bins)
    observed_sum = np.bincount(bin_of_row, weights=outcome, minlength=n_bins)
    return [
        ReliabilityBin(
            lower=b / n_bins,
            upper=(b + 1) / n_bins,
            predicted_mean=float(predicted_sum[b] / count[b]),
            observed_rate=float(observed_sum[b] / count[b]),
            count=int(count[b]),
        )
        for b in range(n_bins)
        if count[b] > 0
    ]


def expected_calibration_error(outcome, predicted, n_bins: int = CALIBRATION_BINS) -> float:
    """Count-weighted mean gap between predicted mean and observed rate over equal-width bins."""
    bins = reliability_bins(outcome, predicted, n_bins)
    total = sum(b.count for b in bins)
    if total == 0:
        return float("nan")
    return float(sum(b.count * abs(b.predicted_mean - b.observed_rate) for b in bins) / total)


def _log_bin(values: np.ndarray, base: float, scale: float, decimals: int) -> np.ndarray:
    """scale * base ** floor(log_base(value)), rounded: geometric bins as in the FSRS optimizer."""
    with np.errstate(divide="ignore"):
        exponent = np.floor(np.log(values) / np.log(base))
    return np.round(scale * np.power(base, exponent), decimals)


def rmse_bins(outcome, predicted, elapsed_days, review_number, lapse_count) -> float:
    """RMSE over bins of the open spaced-repetition benchmark (the FSRS optimizer's ``rmse_matrix``).

    Rows are grouped by geometric bins of the interval in days since the previous
    review (base 3.62), of the review's 1-based number within its card (base 1.89;
    fsrs-rs counts the first review and the reviews a day or more apart) and of the
    number of earlier lapses (base 1.73, with 0 its own bin); the RMSE between each
    bin's mean prediction and observed rate is weighted by the bin's row count.
    """
    outcome = np.asarray(outcome, dtype=np.float64)
    predicted = np.asarray(predicted, dtype=np.float64)
    lapse_count = np.asarray(lapse_count, dtype=np.float64)
    interval_bin = _log_bin(np.asarray(elapsed_days, dtype=np.float64), 3.62, 2.48, 2)
    number_bin = _log_bin(np.asarray(review_number, dtype=np.float64), 1.89, 1.99, 0)
    lapse_bin = np.where(lapse_count > 0, _log_bin(np.maximum(lapse_count, 1.0), 1.73, 1.65, 0), 0.0)
    keys = np.column_stack([interval_bin, number_bin, lapse_bin])
    _, group = np.unique(keys, axis=0, return_inverse=True)
    group = group.ravel()
    count = np.bincount(group)
    observed = np.bincount(group, weights=outcome) / count
    mean_predicted = np.bincount(group, weights=predicted) / count
    return float(np.sqrt(np.sum(count * (observed - mean_predicted) ** 2) / np.sum(count)))


def learner_mean_interval(values, weights, confidence: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Weighted mean of per-learner figures and half the width of its BCa bootstrap interval over learners.

    As the spaced-repetition benchmark summarises its users (there at 99%): learners
    are resampled, the statistic is the mean of their figures weighted by their scored
    reviews, and learners whose figure is undefined (NaN, such as AUC with one class)
    are left out. The half-width is NaN with fewer than two learners, or when every
    learner has the same figure (the interval is then a point).
    """
    from scipy.stats import bootstrap

    values = np.asarray(values, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    defined = ~np.isnan(values)
    values, weights = values[defined], weights[defined]
    if len(values) == 0:
        return float("nan"), float("nan")
    mean = float(np.average(values, weights=weights))
    if len(values) < 2 or np.ptp(values) == 0:
        return mean, float("nan")

    def weighted_mean(index, axis=-1):
        index = np.asarray(index, dtype=np.int64)
        return np.sum(values[index] * weights[index], axis=axis) / np.sum(weights[index], axis=axis)

    interval = bootstrap(
        (np.arange(len(values)),),
        weighted_mean,
        confidence_level=confidence,
        method="BCa",
        rng=np.random.default_rng(seed),
    ).confidence_interval
    return mean, float((interval.high - interval.low) / 2)


def concept_changed(learner, concept) -> np.ndarray:
    """True for rows whose concept differs from the same learner's previous row (and first rows).

    On ASSIST2009, multi-skill problems are expanded into consecutive rows sharing
    one answer; scoring only rows where the concept changes removes that leak.
    """
    learner = np.asarray(learner)
    concept = np.asarray(concept)
    changed = np.ones(len(concept), dtype=bool)
    changed[1:] = (concept[1:] != concept[:-1]) | (learner[1:] != learner[:-1])
    return changed


def summarize(outcome, predicted) -> dict:
    """The standard figures for one set of scored rows."""
    return {
        "auc": auc(outcome, predicted),
        "log_loss": log_loss(outcome, predicted),
        "ece": expected_calibration_error(outcome, predicted),
        "brier": brier(outcome, predicted),
        "n": int(len(outcome)),
        "reliability": [asdict(b) for b in reliability_bins(outcome, predicted)],
    }
