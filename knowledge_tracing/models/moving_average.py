"""MOVING-AVG: the open spaced-repetition benchmark's moving average of a learner's recent answers.

One number per learner, a logit x, predicts every review: P(recall) = sigmoid(x). After
each repeat review (a card's second answer or later, same-day ones included, in time
order, whatever the card) x takes one gradient step on that review's log loss,
x += rate * (outcome - sigmoid(x)), so it follows the learner's recent recall rate and
forgets old answers geometrically. It starts at 1.2 with rate 0.3, the benchmark's
values, and learns nothing else from training data: it knows neither the card nor the
time since its last review. A card's first sighting gets the training rows' first-sighting recall rate, as for the memory models.
"""

from __future__ import annotations

import time

import numpy as np
from scipy.special import expit

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.history.pairs import earlier_count
from knowledge_tracing.models.base import FitReport, StudentModel, register_model
from knowledge_tracing.models.repeat_reviews import first_sighting_rate, with_first_sightings


@register_model
class MovingAverageModel(StudentModel):
    """sigmoid of a per-learner logit moved one step towards each repeat review's answer."""

    name = "moving-avg"
    requires_timestamps = False
    reads_time = False  # the logit follows answers, not the time since a card was seen
    uses_validation = False
    default_hyperparameters = {"initial_logit": 1.2, "rate": 0.3}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.first_rate = 0.5

    def fit(self, train: StudyLogTable, valid: StudyLogTable | None = None, *, progress=None) -> FitReport:
        started = time.perf_counter()
        self.first_rate = first_sighting_rate(train, earlier_count(train, np.ones(len(train), bool)))
        return FitReport(train_seconds=time.perf_counter() - started)

    def predict_proba(self, table: StudyLogTable) -> np.ndarray:
        review_count = earlier_count(table, np.ones(len(table), bool))
        logit = np.empty(len(table))
        initial, rate = self.hyperparameters["initial_logit"], self.hyperparameters["rate"]
        bounds = table.learner_boundaries()
        for start, end in zip(bounds[:-1], bounds[1:]):
            current = initial
            for row in range(start, end):  # rows of a learner are in time order
                logit[row] = current
                if review_count[row] > 0:
                    current += rate * (table.outcome[row] - expit(current))
        return with_first_sightings(review_count, expit(logit), self.first_rate)

    def _state(self) -> dict:
        return {"first_rate": self.first_rate}

    def _restore(self, state: dict) -> None:
        self.first_rate = float(state["first_rate"])
