"""The floor every model must beat: predict one training recall rate for every row.

The rate is taken over the training rows of the kind the evaluation scores (reviews
a day or more after the card's previous one in review logs, all but each learner's
first row in sequences), as the spaced-repetition benchmark's constant is: in a
review log, first sightings and same-day relearning steps are recalled far less
often than the reviews that are scored.
"""

from __future__ import annotations

import time

import numpy as np

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.models.base import FitReport, StudentModel, register_model
from knowledge_tracing.protocols import scored_kind


@register_model
class ConstantModel(StudentModel):
    """P(recall) = mean outcome of the scored kind of training rows, whoever answers whatever."""

    name = "constant"
    uses_validation = False
    reads_time = False
    default_hyperparameters: dict = {}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.recall_rate = 0.5

    def fit(self, train: StudyLogTable, valid: StudyLogTable | None = None, *, progress=None) -> FitReport:
        started = time.perf_counter()
        if len(train) == 0:
            raise ValueError("constant: cannot fit on an empty table")
        scored = scored_kind(train)
        self.recall_rate = float(train.outcome[scored].mean() if scored.any() else train.outcome.mean())
        return FitReport(train_seconds=time.perf_counter() - started)

    def predict_proba(self, table: StudyLogTable) -> np.ndarray:
        return np.full(len(table), self.recall_rate)

    def _state(self) -> dict:
        return {"recall_rate": self.recall_rate}

    def _restore(self, state: dict) -> None:
        self.recall_rate = float(state["recall_rate"])
