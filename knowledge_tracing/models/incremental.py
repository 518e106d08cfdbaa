"""The incremental-model interface the scheduler calls, and the one predictions type it returns.

A model that keeps a learner's state (``LearnerState``, updated answer by answer)
scores every candidate card of a request in one pass instead of re-reading the
learner's history per candidate. The scheduler (``policies.predictions``), the grade
buttons' intervals (``policies.intervals``) and the dashboards dispatch on this type
(``isinstance(model, IncrementalModel)``); any other ``StudentModel`` is scored through
hypothetical rows and ``predict_proba``, which is exact and slower.

``CandidatePredictions`` is what either path returns: the four predictions a delta
policy compares, one entry per candidate.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass, replace

import numpy as np

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.history.fsrs_memory import SECONDS_PER_DAY
from knowledge_tracing.history.learner_state import LearnerState
from knowledge_tracing.models.base import StudentModel


@dataclass(frozen=True)
class CandidatePredictions:
    """Predicted recall of each candidate now and one horizon later, per answer scenario (parallel float64 arrays).

    Attributes:
        predicted_recall: P(recall) if asked now.
        recall_if_correct_tomorrow: asked one horizon (a day) later, after a recall now.
        recall_if_wrong_tomorrow: the same after a lapse now.
        recall_if_skipped_tomorrow: asked one horizon later, not studied now.
    """

    predicted_recall: np.ndarray
    recall_if_correct_tomorrow: np.ndarray
    recall_if_wrong_tomorrow: np.ndarray
    recall_if_skipped_tomorrow: np.ndarray

    def __post_init__(self) -> None:
        for name, values in vars(self).items():
            object.__setattr__(self, name, np.asarray(values, dtype=np.float64))

    def attach_to(self, candidates):
        """The policy's ``Candidates`` holding these predictions (same card order)."""
        return replace(candidates, predictions=self)

    def take(self, rows) -> "CandidatePredictions":
        """The predictions of the candidates at ``rows`` (indices or mask)."""
        return CandidatePredictions(**{name: values[rows] for name, values in vars(self).items()})


class IncrementalModel(StudentModel):
    """A student model that scores candidates from a kept learner state; what the scheduler relies on."""

    @abstractmethod
    def learner_state(self, table: StudyLogTable, learner: int) -> LearnerState:
        """The incremental state of ``learner`` after all its rows in ``table``."""

    @abstractmethod
    def candidate_predictions(
        self, state: LearnerState, items, now: float, horizon_seconds: float = SECONDS_PER_DAY
    ) -> CandidatePredictions:
        """The four predictions for every candidate in ``items``, in one batched pass."""

    @abstractmethod
    def recall_at(self, state: LearnerState, items, at: float) -> np.ndarray:
        """P(recall) of each item if the learner is asked it at ``at`` with nothing studied in between."""

    @abstractmethod
    def recall_over_time(self, state: LearnerState, item: int, times) -> np.ndarray:
        """P(recall) of one item asked at each of ``times`` with nothing studied in between (a forecast curve)."""
