"""Shared by memory models that predict a card's recall from that card's own history (FSRS, HLR).

Such a model has nothing to say about a learner's first sighting of a card: there is
no memory to decay yet. For those rows it predicts the rate of recall on first
sightings in the training data. Its repeat rows' recall passes through the model's
answer noise (``answer_noise``), since a same-day review has retrievability exactly 1
in whole-day models; every probability is also kept inside
[PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR], as the spaced-repetition benchmark does.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.models.base import FitReport

PROBABILITY_FLOOR = 1e-4


def first_sighting_rate(train: StudyLogTable, review_count: np.ndarray) -> float:
    """Recall rate on the training rows that are a learner's first sighting of the item."""
    first = review_count == 0
    return float(train.outcome[first].mean()) if first.any() else float(train.outcome.mean())


def with_first_sightings(review_count: np.ndarray, recall: np.ndarray, first_rate: float) -> np.ndarray:
    """Recall for repeat rows, ``first_rate`` for first sightings, clipped away from 0 and 1."""
    predicted = np.where(review_count > 0, recall, first_rate)
    return np.clip(predicted, PROBABILITY_FLOOR, 1.0 - PROBABILITY_FLOOR)


def parameters_per_learner(
    train: StudyLogTable, optimize: Callable[[StudyLogTable], list[float]], progress=None
) -> dict[str, list[float]]:
    """``optimize`` applied to each learner's rows, by learner key, reporting each learner done to ``progress``."""
    parameters: dict[str, list[float]] = {}
    bounds = train.learner_boundaries()
    for start, end in zip(bounds[:-1], bounds[1:]):
        key = str(train.learner_keys[train.learner[start]])
        parameters[key] = optimize(train.take(np.arange(start, end)))
        if progress:
            progress({"learner": key, "done": len(parameters)})
    return parameters


class PerLearnerFit:
    """A model whose training is one optimisation per learner, then a cheap fit shared by all.

    Split this way, the per-learner part can run anywhere (the app fans learners out
    over its workers in parts, ``apps.modeling.fanout``) and the results come back as
    ``{learner key: parameters}`` to ``fit_with_learner_parameters``; ``fit`` does both
    in one process. ``optimize_learner`` fits one learner's rows (time order).
    """

    def optimize_learner(self, learner_rows: StudyLogTable) -> list[float]:
        raise NotImplementedError

    @property
    def fits_per_learner(self) -> bool:
        return bool(self.hyperparameters["optimize"])

    def fit(self, train: StudyLogTable, valid: StudyLogTable | None = None, *, progress=None):
        started = time.perf_counter()
        parameters = parameters_per_learner(train, self.optimize_learner, progress) if self.fits_per_learner else {}
        self.fit_with_learner_parameters(train, parameters)
        return FitReport(train_seconds=time.perf_counter() - started)

    def fit_with_learner_parameters(self, train: StudyLogTable, parameters: dict[str, list[float]]) -> None:
        """Keep ``parameters`` (learners absent keep the defaults) and fit what all learners share on ``train``."""
        raise NotImplementedError
