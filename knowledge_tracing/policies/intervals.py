"""When a card answered now falls due under a student model: its predicted recall drops to the target.

A model-driven schedule is only one schedule if the time shown on each grade button,
the due date stored after the answer and the model's forecast are the same number.
``model_due_times`` computes it once for every grade: for each grade it records the
hypothetical answer at ``now``, forecasts the card's recall on a geometric grid of
times ahead (``INTERVAL_GRID_SECONDS``: one minute to ``MAX_INTERVAL_DAYS``, each
point 9% after the one before) with nothing studied in between, and takes the first
grid time at which the forecast is at or below the target. No interpolation: the
models' forecasts move in steps (whole days elapsed in the memory features, the
short-gap regime), so between two grid points the crossing is a step, not a slope.
A forecast that never drops to the target within the grid gives the longest
interval; one already at or below the target one minute ahead gives one minute (the
card comes back in this session, as a learning step would bring it). A better grade never gets a shorter interval
than a worse one (Again <= Hard <= Good <= Easy), whatever the model says. The
hypothetical answer carries no response time (unknown to the buttons, which are
shown before the answer), so the stored due date is the very number the button
showed; a forecast made afterwards reads the real response time too and can differ
by what that tells the model.

Models that keep an incremental learner state (KARL, the logistic regression) score
the whole curve in one pass (``recall_over_time``); any other model scores one
hypothetical copy of the learner's history per grid time through ``predict_proba``.
"""

from __future__ import annotations

import numpy as np

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.history.fsrs_memory import SECONDS_PER_DAY
from knowledge_tracing.history.learner_state import LearnerState
from knowledge_tracing.models.base import StudentModel
from knowledge_tracing.models.incremental import IncrementalModel
from knowledge_tracing.policies.predictions import scenario_predictions

GRADES = (1, 2, 3, 4)
MAX_INTERVAL_DAYS = 365.0
INTERVAL_GRID_SECONDS = np.geomspace(60.0, MAX_INTERVAL_DAYS * SECONDS_PER_DAY, 160)


def model_due_times(
    model: StudentModel,
    item: int,
    *,
    now: float,
    target: float,
    state: LearnerState | None = None,
    history: StudyLogTable | None = None,
    learner: int = 0,
) -> np.ndarray:
    """Due time (seconds since the epoch) of ``item`` after each grade (1-4, in ``GRADES`` order) answered at ``now``.

    Always all four: the intervals are made monotone across grades, so the one
    stored after an answer must be computed with the others, as the buttons were.

    Give ``state`` (the learner's kept state, not changed) for a model that keeps one,
    else ``history`` (the learner's table; ``item`` is a dense item id of it).
    """
    times = now + INTERVAL_GRID_SECONDS
    curves = np.stack([_recall_after_answer(model, item, grade, now, times, state, history, learner) for grade in GRADES])
    return now + due_intervals_from_curves(curves, target=target)


def due_intervals_from_curves(curves: np.ndarray, *, target: float) -> np.ndarray:
    """Seconds until each curve (one row per grade, worst grade first, over ``INTERVAL_GRID_SECONDS``) reaches ``target``."""
    at_or_below = np.asarray(curves) <= target
    first = np.where(at_or_below.any(axis=1), at_or_below.argmax(axis=1), len(INTERVAL_GRID_SECONDS) - 1)
    return np.maximum.accumulate(INTERVAL_GRID_SECONDS[first])


def _recall_after_answer(model, item, grade, now, times, state, history, learner) -> np.ndarray:
    outcome = int(grade > 1)
    if isinstance(model, IncrementalModel):
        answered = (state if state is not None else model.learner_state(history, learner)).copy()
        answered.record(int(item), now, outcome, grade)
        return model.recall_over_time(answered, int(item), times)
    if history is None:
        raise ValueError("a model without a learner state forecasts from the learner's history table")
    scenarios = [[(now, outcome, grade), (float(moment), 0, 0)] for moment in times]
    per_scenario = scenario_predictions(model, history, np.array([item], dtype=np.int64), scenarios, now=now, learner=learner)
    return np.array([values[0, -1] for values in per_scenario])
