"""What KARL and the logistic-regression baseline share: history features in, candidates scored out.

Both predict a row from ``HistoryFeatures`` (plus, for KARL, retrieval and text), so
both can also score *hypothetical* rows from a ``LearnerState`` without re-reading
the learner's history. That is the scheduler's entry point::

    model = create_model("karl"); model.fit(train, valid)
    state = model.learner_state(history_table, learner=7)   # or LearnerState.record(...)
    predictions = model.candidate_predictions(state, candidate_items, now=now)
    predictions.predicted_recall             # P(recall) if asked now
    predictions.recall_if_correct_tomorrow   # asked now + 1 day, after a recall now
    predictions.recall_if_wrong_tomorrow     # asked now + 1 day, after a lapse now
    predictions.recall_if_skipped_tomorrow   # asked now + 1 day, not studied now

(the ``IncrementalModel`` interface of ``models.incremental``).

Times are seconds (a table without timestamps counts a step as a day). Model
selection uses validation rows only (see ``selection_split``), always featurised with
the history that precedes them, and never touches test data.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass, replace

import numpy as np
import torch

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.history.features import HistoryFeatures
from knowledge_tracing.history.fsrs_memory import SECONDS_PER_DAY
from knowledge_tracing.history.learner_state import LearnerState
from knowledge_tracing.history.questions import Question, QuestionFeatures
from knowledge_tracing.models.incremental import CandidatePredictions, IncrementalModel

TABLE_COLUMNS = ("learner", "item", "time", "outcome", "grade", "duration_ms", "concept")


@dataclass
class SelectionSplit:
    """One table holding the training history, and which of its rows train and which validate."""

    table: StudyLogTable
    train_rows: np.ndarray
    valid_rows: np.ndarray


def selection_split(train: StudyLogTable, valid: StudyLogTable | None, validation_fraction: float) -> SelectionSplit:
    """Training and validation rows, each featurised with all the history before it.

    A given ``valid`` is merged into ``train`` by learner and time: when it continues
    the training learners' histories (the time-series protocol's validation tail) its
    rows see their earlier training rows, and when it holds other learners (a fixed
    split by student) the merge changes nothing for them. Without ``valid``, the most
    recent ``validation_fraction`` of the training rows (by time) validate.
    """
    if valid is not None and len(valid):
        merged = replace(
            train,
            **{name: np.concatenate([getattr(train, name), getattr(valid, name)]) for name in TABLE_COLUMNS},
        )
        order = np.lexsort((np.arange(len(merged)), merged.time, merged.learner))
        from_valid = (np.arange(len(merged)) >= len(train))[order]
        return SelectionSplit(merged.take(order), ~from_valid, from_valid)
    cutoff = np.quantile(train.time, 1.0 - validation_fraction) if len(train) else 0.0
    recent = train.time >= cutoff
    if recent.all() or not recent.any():
        recent = np.arange(len(train)) >= len(train) * (1.0 - validation_fraction)
    return SelectionSplit(train, ~recent, recent)


class HistoryFeatureModel(IncrementalModel):
    """A student model over history features that can also score a learner's candidate cards."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.extractor = HistoryFeatures()

    def _extractor_state(self) -> dict:
        return {name: torch.as_tensor(value) for name, value in self.extractor.state().items()}

    def _restore_extractor(self, state: dict) -> None:
        self.extractor = HistoryFeatures.from_state({name: value.numpy() for name, value in state.items()})

    def learner_state(self, table: StudyLogTable, learner: int) -> LearnerState:
        """The incremental state of ``learner`` after all its rows in ``table``."""
        return LearnerState.from_table(table, learner, self.extractor.fsrs_parameters)

    @abstractmethod
    def score_candidate_rows(
        self, state: LearnerState, items: np.ndarray, features: QuestionFeatures, asked_at
    ) -> np.ndarray:
        """P(recall) of candidate rows stacked question by question, all in one pass.

        ``features`` describes ``len(asked_at)`` questions about the ``len(items)``
        candidates (``features.matrix()`` holds one block of rows per question, the
        candidates in order); question ``j`` is asked at time ``asked_at[j]``.
        """

    def recall_at(self, state: LearnerState, items, at: float) -> np.ndarray:
        """P(recall) of each item if the learner is asked it at ``at`` with nothing studied in between."""
        items = np.asarray(items, dtype=np.int64)
        features = self.extractor.question_feature_parts(state, items, [Question(at)])
        return self.score_candidate_rows(state, items, features, [at])

    def recall_over_time(self, state: LearnerState, item: int, times) -> np.ndarray:
        """P(recall) of one item asked at each of ``times`` with nothing studied in between, in one pass (a forecast curve)."""
        items = np.array([item], dtype=np.int64)
        times = [float(moment) for moment in times]
        features = self.extractor.question_feature_parts(state, items, [Question(moment) for moment in times])
        return np.asarray(self.score_candidate_rows(state, items, features, times), dtype=np.float64).reshape(len(times))

    def candidate_predictions(
        self, state: LearnerState, items, now: float, horizon_seconds: float = SECONDS_PER_DAY
    ) -> CandidatePredictions:
        """The four predictions a delta policy compares, for all candidates in one batched pass."""
        items = np.asarray(items, dtype=np.int64)
        later = now + horizon_seconds
        questions = [  # the CandidatePredictions fields, in order
            Question(now),
            Question(later, simulated_outcome=1, simulated_at=now),
            Question(later, simulated_outcome=0, simulated_at=now),
            Question(later),
        ]
        features = self.extractor.question_feature_parts(state, items, questions)
        recall = self.score_candidate_rows(state, items, features, [question.at_time for question in questions])
        return CandidatePredictions(*recall.reshape(len(questions), len(items)))
