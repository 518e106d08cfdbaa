"""FSRS-7 against its published formulas, worked by hand, and its per-learner optimisation."""

import numpy as np
import pytest

from knowledge_tracing import metrics
from knowledge_tracing.data.synthetic import generate_study_log
from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.models import create_model
from knowledge_tracing.models.fsrs7 import DEFAULT_FSRS7_PARAMETERS, PARAMETER_BOUNDS

DAY = 86_400.0


def one_card(grades, days):
    return StudyLogTable.from_columns(
        learner=np.zeros(len(grades)),
        item=np.zeros(len(grades)),
        time=np.asarray(days) * DAY,
        outcome=(np.asarray(grades) > 1).astype(int),
        grade=grades,
    )


def test_default_parameters_predict_the_recall_worked_by_hand():
    """One card, default parameters w0..w34: Good at day 0, Good at day 1, Again at day 4, Good 10 minutes later.

    Curve constants: f1 = 0.5 ** (-1 / 0.0723) - 1 = 14574.51, f2 = 0.9555 ** (-1 / 0.1634) - 1
    = 0.321257; weights a = 0.2245 S ** -0.1362, b = 0.6232 S ** 0.3862.

    First review (Good): S = w2 = 4.1283, D = w4 - exp(2 w5) + 1 = 5.6385 - 2.4439 + 1 = 4.1946.

    Second review, t = 1 day: R1 = (1 + f1 / 4.1283) ** -0.0723 = 0.5540,
    R2 = (1 + f2 / 4.1283) ** -0.1634 = 0.9878, a = 0.1851, b = 1.0776,
    **R = (0.1851 * 0.5540 + 1.0776 * 0.9878) / 1.2627 = 0.924234**. Good, so each set's
    S * SInc: long-term SInc = 1 + e ** (2.3054 - 1.5) (11 - D) S ** -0.1688 (e ** (0.0757 * 1.3325) - 1)
    = 2.2733 (S 9.3850), short-term 1.7412 (S 7.1881); mixed by c = 1 - 1.0 e ** (-2.5) = 0.9179:
    S = 9.2046. D: unchanged by Good, then 1% towards D0(Easy) = 2.8179: D = 4.1808.

    Third review, t = 3 days: R1 = 0.5422, R2 = 0.9839, a = 0.1659, b = 1.4687,
    **R = 0.939029**. Again: the lapse stabilities min(S, w10 D ** -w11 ((S + 1) ** w12 - 1) e ** ((1 - R) w13))
    = 1.6585 (long-term) and 0.2446 (short-term), c = 0.9994, S = 1.6577;
    D = 4.1808 + 3.262 * 2 * (10 - 4.1808) / 9 = 8.3991, reverted: 8.3433.

    Fourth review, t = 10 minutes = 0.006944 days: R1 = 0.7420, R2 = 0.9998, a = 0.2096,
    b = 0.7575, **R = 0.943912**.
    """
    table = one_card([3, 3, 1, 3], [0.0, 1.0, 4.0, 4.0 + 10 / 1440])
    model = create_model("fsrs7-default")
    model.fit(table)
    predicted = model.predict_proba(table)
    np.testing.assert_allclose(predicted[1:], [0.924234, 0.939029, 0.943912], atol=5e-7)


def test_a_first_review_gets_the_first_sighting_rate_and_same_day_reviews_differ_from_next_day_ones():
    table = one_card([3, 3, 3], [0.0, 0.01, 1.01])
    model = create_model("fsrs7-default")
    model.fit(one_card([1, 3, 3, 3], [0.0, 1.0, 2.0, 3.0]))
    predicted = model.predict_proba(table)
    assert predicted[0] == pytest.approx(0.0001)  # the only first sighting in training was forgotten (clipped)
    assert 0.9 < predicted[1] < 1.0 and predicted[1] != predicted[2]


def test_optimised_parameters_fit_each_learner_better_and_stay_within_bounds():
    train = generate_study_log(seed=1, n_learners=4, n_logs=1_600)
    optimised, default = create_model("fsrs7"), create_model("fsrs7-default")
    optimised.fit(train)
    default.fit(train)
    # First sightings get the same rate from both, so the difference is in the repeat reviews.
    assert metrics.log_loss(train.outcome, optimised.predict_proba(train)) < metrics.log_loss(
        train.outcome, default.predict_proba(train)
    )
    assert len(optimised.learner_parameters) == 4
    for parameters in optimised.learner_parameters.values():
        assert parameters != list(DEFAULT_FSRS7_PARAMETERS)
        for value, (lower, upper) in zip(parameters, PARAMETER_BOUNDS):
            assert lower - 1e-12 <= value <= upper + 1e-12
        assert parameters[0] <= parameters[1] <= parameters[2] <= parameters[3]
