"""Metrics agree with scikit-learn and with values worked out by hand."""

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

from knowledge_tracing import metrics


@pytest.fixture
def scored():
    rng = np.random.default_rng(3)
    predicted = rng.uniform(0.05, 0.95, 500)
    outcome = (rng.uniform(size=500) < predicted).astype(int)
    return outcome, predicted


def test_auc_log_loss_and_brier_match_scikit_learn(scored):
    outcome, predicted = scored
    assert metrics.auc(outcome, predicted) == pytest.approx(roc_auc_score(outcome, predicted))
    assert metrics.log_loss(outcome, predicted) == pytest.approx(log_loss(outcome, predicted))
    assert metrics.brier(outcome, predicted) == pytest.approx(brier_score_loss(outcome, predicted))


def test_auc_is_undefined_with_one_class_but_log_loss_is_not():
    assert np.isnan(metrics.auc([1, 1], [0.2, 0.9]))
    assert metrics.log_loss([1, 1], [0.5, 0.5]) == pytest.approx(np.log(2))


def test_reliability_bins_and_ece_by_hand():
    predicted = [0.05, 0.15, 0.15, 0.95, 1.0]
    outcome = [0, 1, 0, 1, 1]
    bins = metrics.reliability_bins(outcome, predicted)
    assert [(b.lower, b.count) for b in bins] == [(0.0, 1), (0.1, 2), (0.9, 2)]
    assert bins[1].predicted_mean == pytest.approx(0.15) and bins[1].observed_rate == 0.5
    assert bins[2].predicted_mean == pytest.approx(0.975)
    expected_ece = (1 * 0.05 + 2 * 0.35 + 2 * 0.025) / 5
    assert metrics.expected_calibration_error(outcome, predicted) == pytest.approx(expected_ece)


def test_rmse_bins_groups_by_interval_review_number_and_lapses():
    # Intervals 1 and 3 share the first interval bin (below 3.62 days); 4 starts the next.
    elapsed = np.array([1, 3, 4, 4, 2])
    review_number = np.array([2, 2, 2, 2, 2])
    lapses = np.array([0, 0, 0, 0, 1])
    outcome = np.array([1, 0, 1, 1, 0])
    predicted = np.array([0.9, 0.7, 0.6, 0.8, 0.4])
    # bins: {rows 0,1}: observed 0.5 vs predicted 0.8; {2,3}: 1.0 vs 0.7; {4}: 0 vs 0.4
    expected = np.sqrt((2 * 0.3**2 + 2 * 0.3**2 + 1 * 0.4**2) / 5)
    assert metrics.rmse_bins(outcome, predicted, elapsed, review_number, lapses) == pytest.approx(expected)


def test_rmse_bins_is_zero_for_perfectly_calibrated_bins():
    outcome = np.array([1, 0, 1, 1])
    assert metrics.rmse_bins(outcome, np.full(4, 0.75), [5, 5, 6, 7], [3, 3, 3, 3], [2, 2, 2, 2]) == 0.0


def test_concept_changed_flags_first_rows_and_changes_within_a_learner():
    learner = [0, 0, 0, 1, 1]
    concept = [4, 4, 5, 5, 5]
    np.testing.assert_array_equal(metrics.concept_changed(learner, concept), [True, False, True, True, False])


def test_summarize_reports_every_figure(scored):
    outcome, predicted = scored
    summary = metrics.summarize(outcome, predicted)
    assert summary["n"] == 500
    assert sum(b["count"] for b in summary["reliability"]) == 500
    assert summary["auc"] == pytest.approx(roc_auc_score(outcome, predicted))


def test_rmse_bins_matches_the_benchmark_binning_worked_by_hand():
    """The benchmark's rmse_matrix on five reviews, bins worked out by hand.

    Interval bin 2.48 * 3.62 ** floor(log_3.62 days), to 2 decimals: 1, 3 and 2 days give
    2.48; 4 and 12 days give 8.98. Review-number bin 1.99 * 1.89 ** floor(log_1.89 i), to
    0 decimals: i = 2 and 3 give 4, i = 4 gives 7. Lapse bin 1.65 * 1.73 ** floor(log_1.73
    lapses), to 0 decimals, 0 for none: 1 lapse gives 2, 2 give 3, 3 give 5. So rows 0 and 1
    share (2.48, 4, 0) and the others are alone: (8.98, 7, 2), (8.98, 4, 3), (2.48, 4, 5).
    Gaps between mean prediction and observed rate: 0.75 - 0.5 (two rows), 0.7 - 1, 0.2 - 0,
    0.5 - 1, so RMSE(bins) = sqrt((2 * 0.0625 + 0.09 + 0.04 + 0.25) / 5) = sqrt(0.101).
    """
    elapsed = np.array([1, 3, 4, 12, 2])
    review_number = np.array([2, 3, 4, 2, 2])
    lapses = np.array([0, 0, 1, 2, 3])
    outcome = np.array([1, 0, 1, 0, 1])
    predicted = np.array([0.9, 0.6, 0.7, 0.2, 0.5])
    assert metrics.rmse_bins(outcome, predicted, elapsed, review_number, lapses) == pytest.approx(np.sqrt(0.101))


def test_learner_mean_is_review_weighted_with_a_bootstrap_interval_over_learners():
    values, reviews = [0.30, 0.35, 0.40, 0.32, 0.50], [100, 200, 50, 400, 30]
    mean, half_width = metrics.learner_mean_interval(values, reviews)
    assert mean == pytest.approx(np.average(values, weights=reviews))
    assert 0 < half_width < (max(values) - min(values)) / 2
    # A wider confidence level gives a wider interval; an undefined figure (AUC with one class) is left out.
    assert metrics.learner_mean_interval(values, reviews, confidence=0.99)[1] > half_width
    assert metrics.learner_mean_interval(values + [np.nan], reviews + [1_000])[0] == pytest.approx(mean)


def test_learner_mean_has_no_interval_for_a_single_learner():
    mean, half_width = metrics.learner_mean_interval([0.3], [100])
    assert mean == 0.3 and np.isnan(half_width)
