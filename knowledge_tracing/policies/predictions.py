"""The predictions a policy needs for many candidate cards at once, from any fitted student model.

For each candidate card of one learner at time ``now``: the predicted recall now, and
one day later after a correct answer now, after a wrong answer now, and without
studying it now (predicted at ``now + 1 day``). An ``IncrementalModel``
(``models.incremental``: ``model.learner_state(history, learner)`` then
``model.candidate_predictions(state, items, now)``, as KARL and the logistic regression
do with cached embeddings and incremental features) is used directly, and a caller
that keeps the learner's state between requests passes it to
``predict_from_learner_state``; the dispatch is on that type. Any other model goes through its ``predict_proba`` on hypothetical
rows appended to the learner's history: one copy of the history per candidate and
scenario, so every candidate is scored as if it were the only card answered next.
That fallback is exact for every model but costs O(candidates x history).

``recall_if_not_studied`` asks the same models a different question: the recall of
each card at a chosen later moment if nothing is studied before it (the dashboards'
mastery), through the same two paths.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.history.fsrs_memory import SECONDS_PER_DAY
from knowledge_tracing.history.learner_state import LearnerState
from knowledge_tracing.models.base import StudentModel
from knowledge_tracing.models.incremental import CandidatePredictions, IncrementalModel

CORRECT_GRADE = 3
WRONG_GRADE = 1


def predict_candidates(
    model: StudentModel, history: StudyLogTable, items: np.ndarray, *, now: float, learner: int = 0
) -> CandidatePredictions:
    """Predictions for ``items`` (dense item ids of ``history``) of ``learner`` at ``now``."""
    if isinstance(model, IncrementalModel):
        return predict_from_learner_state(model, model.learner_state(history, learner), items, now=now)
    return predict_by_hypothetical_rows(model, history, items, now=now, learner=learner)


def predict_from_learner_state(
    model: IncrementalModel, state: LearnerState, items: np.ndarray, *, now: float
) -> CandidatePredictions:
    """The batched entry point: every candidate of the learner whose ``state`` is kept, in one pass."""
    return model.candidate_predictions(state, np.asarray(items, dtype=np.int64), now)


def predict_by_hypothetical_rows(
    model: StudentModel, history: StudyLogTable, items: np.ndarray, *, now: float, learner: int = 0
) -> CandidatePredictions:
    """The generic fallback (see the module docstring): three scenarios per candidate.

    Scenario "correct" is the history, the candidate answered correctly at ``now``, then
    the candidate at ``now + 1 day``; its row at ``now`` gives the recall now (a row's
    prediction never depends on its own answer). Scenario "wrong" is the same with a
    wrong answer; scenario "skipped" is the history then the candidate at ``now + 1 day``.
    """
    tomorrow = now + SECONDS_PER_DAY
    scenarios = [
        [(now, 1, CORRECT_GRADE), (tomorrow, 0, 0)],
        [(now, 0, WRONG_GRADE), (tomorrow, 0, 0)],
        [(tomorrow, 0, 0)],
    ]
    correct, wrong, skipped = scenario_predictions(model, history, items, scenarios, now=now, learner=learner)
    return CandidatePredictions(
        predicted_recall=correct[:, -2].copy(),
        recall_if_correct_tomorrow=correct[:, -1].copy(),
        recall_if_wrong_tomorrow=wrong[:, -1].copy(),
        recall_if_skipped_tomorrow=skipped[:, -1].copy(),
    )


def recall_if_not_studied(
    model: StudentModel, history: StudyLogTable, items: np.ndarray, *, now: float, at: float, learner: int = 0
) -> np.ndarray:
    """P(recall) of each of ``items`` if ``learner`` is asked it at ``at`` (>= ``now``) and studies nothing before.

    The model's own forecast for a model that reads time; for one that does not
    (``reads_time`` False) it is the prediction of the item's next answer, whenever it
    comes. Models with an incremental learner state score all items in one pass;
    any other model scores one hypothetical row per item after the learner's history.
    """
    if at < now:
        raise ValueError(f"recall is forecast at or after now ({at} < {now})")
    if isinstance(model, IncrementalModel):
        return recall_if_not_studied_from_learner_state(model, model.learner_state(history, learner), items, at=at)
    (asked,) = scenario_predictions(model, history, items, [[(at, 0, 0)]], now=now, learner=learner)
    return asked[:, -1].copy()


def recall_if_not_studied_from_learner_state(model: IncrementalModel, state: LearnerState, items: np.ndarray, *, at: float) -> np.ndarray:
    """``recall_if_not_studied`` for a caller that keeps the learner's state (see ``predict_from_learner_state``)."""
    return np.asarray(model.recall_at(state, np.asarray(items, dtype=np.int64), at), dtype=np.float64)


def scenario_predictions(
    model: StudentModel, history: StudyLogTable, items: np.ndarray, scenarios: list[list[tuple]], *, now: float, learner: int
) -> list[np.ndarray]:
    """For each scenario of extra rows ``(time, outcome, grade)``, an (n_items, rows) array of predictions.

    Each candidate gets its own copy of the learner's history followed by the
    scenario's rows about that candidate, as a pseudo-learner of one table, so all
    scenarios go through ``predict_proba`` once.
    """
    own = history.take(history.learner == learner)
    if len(own) and own.time.max() > now:
        raise ValueError(f"learner {learner} has answers after now ({own.time.max()} > {now})")
    blocks = [_scenario_blocks(own, history, items, extra_rows) for extra_rows in scenarios]
    columns = {name: np.concatenate([block[name].reshape(-1) for block in blocks]) for name in blocks[0]}
    n_items = len(items)
    pseudo_learner = np.concatenate(
        [np.repeat(np.arange(n_items) + k * n_items, block["item"].shape[1]) for k, block in enumerate(blocks)]
    )
    table = replace(
        history,
        learner=pseudo_learner,
        item=columns["item"],
        time=columns["time"],
        outcome=columns["outcome"].astype(np.int8),
        grade=columns["grade"].astype(np.int8),
        duration_ms=columns["duration_ms"],
        concept=columns["concept"],
        learner_keys=tuple(range(len(scenarios) * n_items)),
    )
    predicted = np.split(model.predict_proba(table), np.cumsum([block["item"].size for block in blocks])[:-1])
    return [values.reshape(n_items, -1) for values in predicted]


def _scenario_blocks(own: StudyLogTable, history: StudyLogTable, items: np.ndarray, extra_rows: list) -> dict:
    """(n_items, len(own) + len(extra_rows)) columns: the learner's rows, then the candidate's extra rows.

    Extra rows are ``(time, outcome, grade)``; the last one's answer is a placeholder,
    since a row's prediction never depends on its own answer. Hypothetical answers take
    the learner's median response time.
    """
    n_items = len(items)
    known_durations = own.duration_ms[~np.isnan(own.duration_ms)]
    typical_duration = float(np.median(known_durations)) if len(known_durations) else np.nan
    times, outcomes, grades = (np.array(values, dtype=np.float64) for values in zip(*extra_rows))

    def block(history_values: np.ndarray, extra_values: np.ndarray) -> np.ndarray:
        return np.concatenate([np.tile(history_values, (n_items, 1)), extra_values], axis=1)

    n_extra = len(extra_rows)
    return {
        "item": block(own.item, np.repeat(items[:, None], n_extra, axis=1)),
        "time": block(own.time, np.tile(times, (n_items, 1))),
        "outcome": block(own.outcome, np.tile(outcomes, (n_items, 1))),
        "grade": block(own.grade, np.tile(grades, (n_items, 1))),
        "duration_ms": block(own.duration_ms, np.full((n_items, n_extra), typical_duration)),
        "concept": block(own.concept, np.repeat(_concepts_of(history, items)[:, None], n_extra, axis=1)),
    }


def _concepts_of(history: StudyLogTable, items: np.ndarray) -> np.ndarray:
    """Each candidate's concept: from the table's ``item_concepts``, else as its rows say, else the item id itself."""
    if history.item_concepts is not None:
        return history.item_concepts[items]
    concept_by_item = dict(zip(history.item.tolist(), history.concept.tolist()))
    return np.array([concept_by_item.get(int(item), int(item)) for item in items], dtype=np.int64)
