"""History features: strictly from earlier rows, and hypothetical rows equal real appended ones."""

from dataclasses import replace

import numpy as np
import pytest

from knowledge_tracing.data.synthetic import generate_study_log
from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.history.features import FEATURE_NAMES, HistoryFeatures
from knowledge_tracing.history.fsrs_memory import SECONDS_PER_DAY
from knowledge_tracing.history.fsrs_memory import replay_memory_states
from knowledge_tracing.history.learner_state import LearnerState
from knowledge_tracing.models.logreg import at_spaced_boundary


@pytest.fixture(scope="module")
def table():
    return generate_study_log(n_learners=6, n_items=20, n_logs=600, seed=3)


def _column(features, name):
    return features[:, FEATURE_NAMES.index(name)]


def test_features_are_finite_and_count_earlier_answers(table):
    features = HistoryFeatures().fit(table).transform(table).features
    assert features.shape == (len(table), len(FEATURE_NAMES))
    assert np.isfinite(features).all()
    row = len(table) - 1
    same = (table.learner[:row] == table.learner[row]) & (table.item[:row] == table.item[row])
    assert np.expm1(_column(features, "pair_log_reviews")[row]) == pytest.approx(same.sum())
    assert np.expm1(_column(features, "pair_log_correct")[row]) == pytest.approx((table.outcome[:row][same] > 0).sum())
    learner_rows = table.learner[:row] == table.learner[row]
    assert np.expm1(_column(features, "learner_log_reviews")[row]) == pytest.approx(learner_rows.sum())


def test_fsrs_state_matches_the_replay_module(table):
    features = HistoryFeatures().fit(table).transform(table).features
    states = replay_memory_states(table)
    seen = states.review_count > 0
    np.testing.assert_allclose(np.exp(_column(features, "fsrs_log_stability")[seen]), states.stability[seen])
    np.testing.assert_allclose(_column(features, "fsrs_difficulty")[seen], states.difficulty[seen])
    np.testing.assert_allclose(
        _column(features, "fsrs_retrievability")[seen], np.clip(states.retrievability[seen], 1e-4, 1 - 1e-4)
    )


def test_changing_a_later_row_never_changes_an_earlier_feature(table):
    extractor = HistoryFeatures().fit(table)
    before = extractor.transform(table).features
    cut = len(table) // 2
    changed_outcome = table.outcome.copy()
    changed_outcome[cut:] = 1 - changed_outcome[cut:]
    changed_duration = table.duration_ms.copy()
    changed_duration[cut:] *= 3
    changed = replace(table, outcome=changed_outcome, duration_ms=changed_duration)
    after = extractor.transform(changed).features
    np.testing.assert_array_equal(before[: cut + 1], after[: cut + 1])
    assert not np.array_equal(before[cut + 1 :], after[cut + 1 :])


def test_item_statistics_leave_the_learner_out(table):
    extractor = HistoryFeatures().fit(table)
    learner, item = table.learner[0], table.item[0]
    others = (table.item == item) & (table.learner != learner)
    reviews, accuracy = extractor.item_features(np.array([learner]), np.array([item]))[0]
    assert np.expm1(reviews) == pytest.approx(others.sum())
    assert accuracy == pytest.approx((table.outcome[others].sum() + 1) / (others.sum() + 2))


def _appended(table: StudyLogTable, rows: list[tuple]) -> StudyLogTable:
    """The table with extra rows (learner, item, time, outcome, grade) and unknown durations."""
    extra = np.array(rows, dtype=np.float64)
    return StudyLogTable.from_columns(
        learner=np.r_[table.learner, extra[:, 0]],
        item=np.r_[table.item, extra[:, 1]],
        time=np.r_[table.time, extra[:, 2]],
        outcome=np.r_[table.outcome, extra[:, 3]],
        grade=np.r_[table.grade, extra[:, 4]],
        duration_ms=np.r_[table.duration_ms, np.full(len(rows), np.nan)],
        learner_keys=table.learner_keys,
        item_keys=table.item_keys,
    )


def _row_of(table, learner, item, time):
    return np.flatnonzero((table.learner == learner) & (table.item == item) & (table.time == time))[-1]


@pytest.mark.parametrize("outcome", [None, 1, 0])
def test_hypothetical_rows_equal_real_appended_rows(table, outcome):
    extractor = HistoryFeatures().fit(table)
    learner = 2
    state = LearnerState.from_table(table, learner)
    now = table.time[table.learner == learner].max() + 3 * 3600.0
    later = now + SECONDS_PER_DAY
    candidates = np.array([0, 5, 7, 19, table.item[table.learner == learner][-1]])
    if outcome is None:
        hypothetical = extractor.candidate_features(state, candidates, later)
    else:
        hypothetical = extractor.candidate_features(
            state, candidates, later, simulated_outcome=outcome, simulated_at=now
        )
    for index, item in enumerate(candidates):
        rows = [(learner, item, later, 1, 3)]
        if outcome is not None:
            rows.insert(0, (learner, item, now, outcome, 3 if outcome else 1))
        real = _appended(table, rows)
        real_features = extractor.transform(real).features[_row_of(real, learner, item, later)]
        np.testing.assert_allclose(hypothetical[index], real_features, atol=1e-12)


def test_recording_answers_one_by_one_equals_replaying_the_table(table):
    learner = 4
    own = np.flatnonzero(table.learner == learner)
    replayed = LearnerState.from_table(table, learner)
    incremental = LearnerState(learner=learner)
    for row in own:
        incremental.record(
            int(table.item[row]), float(table.time[row]), int(table.outcome[row]), int(table.grade[row]),
            float(table.duration_ms[row]),
        )
    np.testing.assert_array_equal(incremental.items, replayed.items)
    np.testing.assert_allclose(incremental.pair_states, replayed.pair_states)
    np.testing.assert_allclose(incremental.summary, replayed.summary)


def test_a_simulated_answer_must_come_before_the_question(table):
    extractor = HistoryFeatures().fit(table)
    state = LearnerState.from_table(table, 0)
    with pytest.raises(ValueError, match="simulated_at"):
        extractor.candidate_features(state, [1], 100.0, simulated_outcome=1, simulated_at=200.0)


@pytest.mark.parametrize("short_gap_hours", [1.0, 30.0])
def test_features_moved_to_the_spaced_boundary_are_those_asked_at_that_moment(table, short_gap_hours):
    extractor = HistoryFeatures().fit(table)
    state = LearnerState.from_table(table, 0, extractor.fsrs_parameters)
    own = table.take(table.learner == 0)
    last = own.time.max()
    items = np.arange(table.n_items)
    last_answer = {int(item): float(time) for item, time in zip(own.item, own.time)}
    soon = last + 300.0
    moved = at_spaced_boundary(extractor.candidate_features(state, items, soon), short_gap_hours, extractor.fsrs_parameters[20])
    for item in items:
        answered = last_answer.get(int(item))
        waiting = answered is not None and soon - answered < short_gap_hours * 3_600
        asked_at = answered + short_gap_hours * 3_600 if waiting else soon
        expected = extractor.candidate_features(state, [item], asked_at)[0]
        np.testing.assert_allclose(moved[item], expected, rtol=1e-9, atol=1e-9)
    assert any(soon - answered < short_gap_hours * 3_600 for answered in last_answer.values())
