"""FSRS-6 as a student model: default parameters, or parameters optimised per learner.

Prediction replays each learner-card pair's reviews with the FSRS-6 formulas
(``knowledge_tracing.history.fsrs_memory``) and returns the retrievability before each row.
With ``optimize`` the parameters of every training learner are fitted by
``fsrs-rs-python`` (the Rust optimizer Anki ships), on that learner's reviews that
come at least a day after the card's previous one, each with the card's full
history up to it, exactly as Anki trains; learners unseen in training, or with too
little history, keep the default parameters (the optimizer itself returns them then).
The retrievability of repeat reviews then passes through one answer noise (a slip and
a guess rate, ``answer_noise``), so that a card answered seconds ago (0 elapsed days,
retrievability 1) is not predicted certain. The noise is fitted on the same kind of
training rows as the parameters, those at least a day after the card's previous
review: a same-day review has retrievability 1 whatever the memory, and its lapses
(relearning steps) fitted as slips would pull every spaced review's prediction down.

Registered twice: ``fsrs6`` (optimised) and ``fsrs6-default`` (``optimize=False``).
"""

from __future__ import annotations

import numpy as np
import torch

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.history.fsrs_memory import DEFAULT_FSRS6_PARAMETERS, grades_of, replay_memory_states
from knowledge_tracing.models.answer_noise import AnswerNoise
from knowledge_tracing.models.base import StudentModel, register_model
from knowledge_tracing.models.repeat_reviews import PerLearnerFit, first_sighting_rate, with_first_sightings


def optimize_parameters(table: StudyLogTable) -> list[float]:
    """FSRS-6 parameters fitted by fsrs-rs on one learner's rows (time order)."""
    import fsrs_rs_python

    states = replay_memory_states(table)
    elapsed = np.where(states.review_count > 0, np.nan_to_num(states.elapsed_days), 0).astype(np.int64)
    grades = grades_of(table)
    history: dict[int, list] = {}
    training_items = []
    for row in np.argsort(table.time, kind="stable"):
        reviews = history.setdefault(int(table.item[row]), [])
        reviews.append(fsrs_rs_python.FSRSReview(int(grades[row]), int(elapsed[row])))
        if elapsed[row] >= 1:
            training_items.append(fsrs_rs_python.FSRSItem(list(reviews)))
    optimizer = fsrs_rs_python.FSRS(list(DEFAULT_FSRS6_PARAMETERS))
    return [float(value) for value in optimizer.compute_parameters(training_items)]


@register_model
class FSRS6Model(PerLearnerFit, StudentModel):
    """Retrievability before each review under FSRS-6; one parameter vector per learner."""

    name = "fsrs6"
    requires_timestamps = True
    uses_validation = False
    default_hyperparameters = {"optimize": True}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.learner_parameters: dict[str, list[float]] = {}
        self.first_rate = 0.5
        self.noise = AnswerNoise()

    def optimize_learner(self, learner_rows: StudyLogTable) -> list[float]:
        return optimize_parameters(learner_rows)

    def fit_with_learner_parameters(self, train: StudyLogTable, parameters: dict[str, list[float]]) -> None:
        self.first_rate = first_sighting_rate(train, replay_memory_states(train).review_count)
        self.learner_parameters = dict(parameters)
        _, elapsed_days, retrievability = self._memory_recall(train)
        spaced = elapsed_days >= 1
        self.noise = AnswerNoise.fit(retrievability[spaced], train.outcome[spaced])

    def predict_proba(self, table: StudyLogTable) -> np.ndarray:
        review_count, _, retrievability = self._memory_recall(table)
        return with_first_sightings(review_count, self.noise.apply(retrievability), self.first_rate)

    def _memory_recall(self, table: StudyLogTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each row's earlier review count, whole days since the last one and retrievability, under its learner's parameters."""
        review_count = np.zeros(len(table), np.int64)
        elapsed_days, retrievability = np.full(len(table), np.nan), np.full(len(table), np.nan)
        bounds = table.learner_boundaries()
        for start, end in zip(bounds[:-1], bounds[1:]):
            parameters = self.learner_parameters.get(
                str(table.learner_keys[table.learner[start]]), DEFAULT_FSRS6_PARAMETERS
            )
            states = replay_memory_states(table.take(np.arange(start, end)), parameters)
            review_count[start:end], elapsed_days[start:end] = states.review_count, states.elapsed_days
            retrievability[start:end] = states.retrievability
        return review_count, elapsed_days, retrievability

    def _state(self) -> dict:
        keys = sorted(self.learner_parameters)
        parameters = [self.learner_parameters[key] for key in keys]
        return {
            "learner_keys": keys,
            "parameters": torch.tensor(parameters, dtype=torch.float64).reshape(len(keys), 21),
            "first_rate": self.first_rate,
            "noise": self.noise.state(),
        }

    def _restore(self, state: dict) -> None:
        rows = state["parameters"].tolist()
        self.learner_parameters = dict(zip(state["learner_keys"], rows))
        self.first_rate = float(state["first_rate"])
        self.noise = AnswerNoise.from_state(state.get("noise"))


@register_model
class FSRS6DefaultModel(FSRS6Model):
    """FSRS-6 with the ``fsrs`` package's default parameters for every learner (no training)."""

    name = "fsrs6-default"
    default_hyperparameters = {"optimize": False}
