"""Half-life regression, the three-parameter version of the open spaced-repetition benchmark.

R = 0.5 ** (t / S) with S = 2 ** (w_s * sqrt(successes) + w_f * sqrt(failures) + b),
where t is the whole days since the pair's previous review and the counts are over
the pair's earlier reviews. One weight vector for everyone, fitted by L-BFGS on the
training rows' log loss. Same-day reviews (t = 0) have R = 1, like the benchmark's;
R then passes through an answer noise (a slip and a guess rate, ``answer_noise``)
fitted, with the weights fixed, on the training rows at least a day after the card's
previous review (where R says something; same-day lapses fitted as slips would pull
every spaced prediction down), so that neither a card answered seconds ago nor one
answered a year ago is predicted certain.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.history.fsrs_memory import SECONDS_PER_DAY
from knowledge_tracing.history.pairs import earlier_count, previous_time
from knowledge_tracing.models.answer_noise import AnswerNoise
from knowledge_tracing.models.base import FitReport, StudentModel, register_model
from knowledge_tracing.models.repeat_reviews import PROBABILITY_FLOOR, first_sighting_rate, with_first_sightings

INITIAL_WEIGHTS = (1.0, -1.0, 1.0)


def hlr_inputs(table: StudyLogTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sqrt successes, sqrt failures) of earlier reviews, whole days since the last one, review count."""
    successes = earlier_count(table, table.outcome > 0)
    failures = earlier_count(table, table.outcome == 0)
    elapsed_days = np.floor(np.maximum(table.time - previous_time(table), 0.0) / SECONDS_PER_DAY)
    features = np.column_stack([np.sqrt(successes), np.sqrt(failures)])
    return features, np.nan_to_num(elapsed_days), successes + failures


def half_life_recall(weights, features, elapsed_days):
    """R = 0.5 ** (t / S), S = 2 ** (w . features + b); works on numpy arrays and torch tensors."""
    exponent = features[:, 0] * weights[0] + features[:, 1] * weights[1] + weights[2]
    return 0.5 ** (elapsed_days / 2.0**exponent)


@register_model
class HalfLifeRegressionModel(StudentModel):
    """Three weights shared by all learners; first sightings get the training first-sighting rate."""

    name = "hlr"
    requires_timestamps = True
    uses_validation = False
    default_hyperparameters = {"max_iterations": 200}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.weights = np.array(INITIAL_WEIGHTS)
        self.first_rate = 0.5
        self.noise = AnswerNoise()

    def fit(self, train: StudyLogTable, valid: StudyLogTable | None = None, *, progress=None) -> FitReport:
        started = time.perf_counter()
        features, elapsed_days, review_count = hlr_inputs(train)
        self.first_rate = first_sighting_rate(train, review_count)
        repeat = review_count > 0
        if not repeat.any():
            raise ValueError("hlr: the training table has no repeated reviews to learn from")
        x = torch.tensor(features[repeat])
        t = torch.tensor(elapsed_days[repeat])
        y = torch.tensor(train.outcome[repeat], dtype=torch.float64)
        weights = torch.tensor(INITIAL_WEIGHTS, dtype=torch.float64, requires_grad=True)
        optimizer = torch.optim.LBFGS(
            [weights], max_iter=self.hyperparameters["max_iterations"], line_search_fn="strong_wolfe"
        )

        def loss_closure():
            optimizer.zero_grad()
            recall = half_life_recall(weights, x, t).clamp(PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR)
            loss = torch.nn.functional.binary_cross_entropy(recall, y)
            loss.backward()
            return loss

        optimizer.step(loss_closure)
        loss = float(loss_closure().detach())
        self.weights = weights.detach().numpy().copy()
        spaced = repeat & (elapsed_days >= 1)
        self.noise = AnswerNoise.fit(half_life_recall(self.weights, features[spaced], elapsed_days[spaced]), train.outcome[spaced])
        if progress:
            progress({"epoch": 1, "train_loss": loss})
        return FitReport(
            epochs=[{"epoch": 1, "train_loss": loss}], best_epoch=1, train_seconds=time.perf_counter() - started
        )

    def predict_proba(self, table: StudyLogTable) -> np.ndarray:
        features, elapsed_days, review_count = hlr_inputs(table)
        recall = self.noise.apply(half_life_recall(self.weights, features, elapsed_days))
        return with_first_sightings(review_count, recall, self.first_rate)

    def _state(self) -> dict:
        return {"weights": torch.tensor(self.weights), "first_rate": self.first_rate, "noise": self.noise.state()}

    def _restore(self, state: dict) -> None:
        self.weights = state["weights"].numpy().copy()
        self.first_rate = float(state["first_rate"])
        self.noise = AnswerNoise.from_state(state.get("noise"))
