"""The logistic-regression baseline on history features: learns, selects C on validation, scores candidates."""

from dataclasses import replace

import numpy as np

from knowledge_tracing.data.synthetic import generate_study_log
from knowledge_tracing.history.fsrs_memory import SECONDS_PER_DAY
from knowledge_tracing.metrics import log_loss
from knowledge_tracing.models import create_model
from knowledge_tracing.models.base import StudentModel


def test_logreg_beats_constant_and_round_trips(tmp_path):
    table = generate_study_log(n_learners=16, n_items=40, n_logs=1600, seed=1)
    train, test = table.take(table.learner < 12), table.take(table.learner >= 12)
    model = create_model("logreg", seed=0, c_grid=(0.01, 1.0))
    report = model.fit(train)
    assert {trial["regime"] for trial in report.epochs} == {"spaced", "fresh"}
    constant = create_model("constant")
    constant.fit(train)
    predicted = model.predict_proba(test)
    assert log_loss(test.outcome, predicted) < log_loss(test.outcome, constant.predict_proba(test)) - 0.02

    model.save(tmp_path / "logreg.pt")
    np.testing.assert_array_equal(StudentModel.load(tmp_path / "logreg.pt").predict_proba(test), predicted)


def test_logreg_candidate_predictions_match_appended_rows():
    table = generate_study_log(n_learners=8, n_items=30, n_logs=800, seed=2)
    model = create_model("logreg", seed=0, c_grid=(0.01, 1.0))
    model.fit(table)
    learner = 3
    state = model.learner_state(table, learner)
    now = table.time[table.learner == learner].max() + 600.0
    items = np.arange(table.n_items)
    outlook = model.candidate_predictions(state, items, now)
    skipped = [model.predict_proba(with_question(table, learner, item, now + SECONDS_PER_DAY))[-1] for item in items]
    np.testing.assert_allclose(outlook.recall_if_skipped_tomorrow, skipped, rtol=1e-10)
    assert outlook.recall_if_correct_tomorrow.mean() > outlook.recall_if_wrong_tomorrow.mean()


def with_question(table, learner, item, at_time):
    """The learner's rows plus one question about ``item`` at ``at_time`` (its last row)."""
    own = table.take(table.learner == learner)
    return replace(
        own,
        learner=np.r_[own.learner, learner],
        item=np.r_[own.item, item],
        time=np.r_[own.time, at_time],
        outcome=np.r_[own.outcome, 1].astype(np.int8),
        grade=np.r_[own.grade, 3].astype(np.int8),
        duration_ms=np.r_[own.duration_ms, np.nan],
        concept=np.r_[own.concept, item],
    )
