"""Evaluation protocols: which rows are scored, and how training and test data are cut.

Two kinds of data, two scoring rules:

- Knowledge-tracing sequences without timestamps (ASSISTments): every row except a
  learner's first is scored; AUC is also reported on rows whose concept differs from
  the learner's previous row (ASSIST2009 repeats multi-skill problems).
- Review logs with timestamps (Anki revlogs, Mnemo exports), as in the open
  spaced-repetition benchmark: a card's first review is never scored; reviews at
  least one whole day (24 h) after the card's previous review are scored; same-day
  reviews are scored separately (log loss), because whole-day schedulers cannot
  tell them apart.

The time-series protocol orders the scored reviews by time and cuts them with
scikit-learn's ``TimeSeriesSplit``: each split trains on every row before its test
fold (validation, for models that choose epochs, is the last part of that) and is
tested on the fold, predicting from all earlier rows, test rows included.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.model_selection import TimeSeriesSplit

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.history.pairs import earlier_count, previous_time

SECONDS_PER_DAY = 86_400.0
VALIDATION_FRACTION = 0.1


@dataclass(frozen=True)
class ReviewContext:
    """Per-row facts about each learner-item pair's history that decide scoring and RMSE bins.

    ``long_term`` marks repeat reviews at least a whole day after the pair's previous
    row (the scored reviews), ``same_day`` the other repeat reviews. The counts follow
    fsrs-rs's RMSE bins: ``review_number`` counts the pair's first review and its
    long-term reviews up to and including this row (same-day reviews do not count);
    ``lapse_count`` counts earlier long-term reviews that were forgotten.
    """

    elapsed_days: np.ndarray
    long_term: np.ndarray
    same_day: np.ndarray
    review_number: np.ndarray
    lapse_count: np.ndarray


def review_context(table: StudyLogTable) -> ReviewContext:
    since_previous = table.time - previous_time(table)
    repeat = ~np.isnan(since_previous)
    elapsed_days = np.floor(np.nan_to_num(since_previous) / SECONDS_PER_DAY)
    long_term = repeat & (elapsed_days >= 1)
    return ReviewContext(
        elapsed_days=elapsed_days,
        long_term=long_term,
        same_day=repeat & ~long_term,
        review_number=earlier_count(table, long_term) + 1 + long_term,
        lapse_count=earlier_count(table, long_term & (table.outcome == 0)),
    )


@dataclass(frozen=True)
class Fold:
    """One train/test cut: fit on ``train`` (choosing epochs on ``valid``), predict ``test``.

    Models that choose nothing on validation data are fitted on ``train_full``
    instead: ``train`` plus, in the time-series protocol, the validation part.
    ``scored`` indexes the rows of ``test`` that count; ``same_day`` the same-day
    reviews of the fold (review logs only).
    """

    train: StudyLogTable
    valid: StudyLogTable | None
    train_full: StudyLogTable
    test: StudyLogTable
    scored: np.ndarray
    same_day: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def sequence_scored_rows(table: StudyLogTable) -> np.ndarray:
    """Every row except each learner's first."""
    return np.setdiff1d(np.arange(len(table)), table.learner_boundaries()[:-1])


def scored_kind(table: StudyLogTable) -> np.ndarray:
    """Mask of the rows of the kind this module scores: long-term reviews, or all but first rows."""
    if table.has_timestamps:
        return review_context(table).long_term
    mask = np.zeros(len(table), dtype=bool)
    mask[sequence_scored_rows(table)] = True
    return mask


def fixed_split_folds(train: StudyLogTable, valid: StudyLogTable | None, test: StudyLogTable) -> list[Fold]:
    """One fold from given files; review logs score long-term reviews, sequences all but first rows."""
    if not test.has_timestamps:
        return [Fold(train=train, valid=valid, train_full=train, test=test, scored=sequence_scored_rows(test))]
    context = review_context(test)
    return [
        Fold(
            train=train,
            valid=valid,
            train_full=train,
            test=test,
            scored=np.flatnonzero(context.long_term),
            same_day=np.flatnonzero(context.same_day),
        )
    ]


def time_series_folds(table: StudyLogTable, n_folds: int = 5) -> list[Fold]:
    """The spaced-repetition benchmark's cut of one review log (see the module docstring)."""
    if not table.has_timestamps:
        raise ValueError("the time-series protocol needs timestamps; use --train/--valid/--test for this data")
    time_order = np.lexsort((np.arange(len(table)), table.time))
    position = np.empty(len(table), dtype=np.int64)
    position[time_order] = np.arange(len(table))
    context = review_context(table)
    scored_in_time_order = time_order[context.long_term[time_order]]
    if len(scored_in_time_order) <= n_folds:
        raise ValueError(
            f"{n_folds} folds need at least {n_folds + 1} scorable reviews, and this log has {len(scored_in_time_order)}"
            f" of its {len(table)} rows: a review is scored when it comes at least one whole day (24 h) after the same"
            " learner's previous review of the card, so the log needs cards reviewed again on later days"
            " (first sightings and same-day repeats are not scored); use fewer --folds or a longer log"
        )
    same_day = context.same_day
    folds = []
    splits = list(TimeSeriesSplit(n_splits=n_folds).split(scored_in_time_order))
    fold_starts = [position[scored_in_time_order[test_index[0]]] for _, test_index in splits] + [len(table)]
    for split, (train_index, test_index) in enumerate(splits):
        test_rows = scored_in_time_order[test_index]
        test_start, test_end = fold_starts[split], fold_starts[split + 1]
        before_test = position < test_start
        valid_start = position[scored_in_time_order[train_index[int(len(train_index) * (1 - VALIDATION_FRACTION))]]]
        folds.append(
            Fold(
                train=table.take(position < valid_start),
                valid=table.take(before_test & (position >= valid_start)),
                train_full=table.take(before_test),
                test=table,
                scored=np.sort(test_rows),
                same_day=np.flatnonzero(same_day & (position >= test_start) & (position < test_end)),
            )
        )
    return folds
