"""The evaluation protocols score the right rows and never train on the future."""

from pathlib import Path

import numpy as np
import pytest

from knowledge_tracing.data.loaders import load_tables
from knowledge_tracing.data.synthetic import generate_study_log
from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.protocols import fixed_split_folds, review_context, time_series_folds

REVLOG = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "revlogs" / "anki_josh_2024.csv"
DAY = 86_400.0


def test_review_context_marks_long_term_and_same_day_reviews_and_counts_like_fsrs_rs():
    times = [0, 600, 2 * DAY, 2 * DAY + 60, 9 * DAY, 30 * DAY]
    outcome = [0, 1, 0, 1, 1, 1]
    table = StudyLogTable.from_columns(learner=np.zeros(6), item=np.zeros(6), time=times, outcome=outcome)
    context = review_context(table)
    np.testing.assert_array_equal(context.long_term, [False, False, True, False, True, True])
    np.testing.assert_array_equal(context.same_day, [False, True, False, True, False, False])
    np.testing.assert_array_equal(context.elapsed_days[[2, 4, 5]], [1, 6, 21])
    np.testing.assert_array_equal(context.review_number[[2, 4, 5]], [2, 3, 4])
    np.testing.assert_array_equal(context.lapse_count[[2, 4, 5]], [0, 1, 1])


def test_time_series_folds_train_only_on_the_past():
    table = generate_study_log(seed=4)
    folds = time_series_folds(table, n_folds=3)
    for fold in folds:
        first_test_time = fold.test.time[fold.scored].min()
        assert fold.train_full.time.max() <= first_test_time
        assert fold.train.time.max() <= fold.valid.time.min()
        assert len(fold.train) + len(fold.valid) == len(fold.train_full)
        assert review_context(fold.test).long_term[fold.scored].all()
    scored = np.concatenate([fold.scored for fold in folds])
    assert len(np.unique(scored)) == len(scored)


def test_fixed_split_scores_all_but_each_learners_first_row_without_timestamps(tmp_path):
    path = tmp_path / "seq.csv"
    path.write_text("3\n1,2,1\n1,0,1\n2\n2,2\n0,1\n", encoding="utf-8")
    (table,) = load_tables("assist", [path])
    (fold,) = fixed_split_folds(table, None, table)
    np.testing.assert_array_equal(fold.scored, [1, 2, 4])


@pytest.mark.skipif(not REVLOG.exists(), reason=f"real review log not found at {REVLOG}")
def test_time_series_protocol_scores_4440_of_5329_reviews_on_the_real_log():
    (table,) = load_tables("revlog", [REVLOG])
    assert review_context(table).long_term.sum() == 5329
    folds = time_series_folds(table, n_folds=5)
    assert sum(len(fold.scored) for fold in folds) == 4440
    assert [len(fold.scored) for fold in folds] == [888] * 5


def test_too_few_scorable_reviews_says_what_the_log_needs():
    """One day of answers: every review is a first sighting or a same-day repeat, none is scored."""
    table = StudyLogTable.from_columns(
        learner=np.zeros(6, dtype=np.int64), item=np.array([0, 1, 0, 1, 0, 1]), time=np.arange(6) * 600.0,
        outcome=np.ones(6, dtype=np.int8), grade=np.full(6, 3, dtype=np.int8), duration_ms=np.full(6, 3000.0),
    )
    with pytest.raises(ValueError) as refusal:
        time_series_folds(table, n_folds=5)
    message = str(refusal.value)
    assert "5 folds need at least 6 scorable reviews, and this log has 0 of its 6 rows" in message
    assert "at least one whole day (24 h) after the same learner's previous review of the card" in message
