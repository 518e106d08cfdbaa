"""Fill a learner's candidates with the served model's predictions (now, and one day ahead), or forecast their recall.

The learner's live answers on the deck become a one-learner study-log table (built by
the served model when it has its own card ids and embeddings), and the library scores
every candidate in one batch: recall now, and recall tomorrow after a correct answer,
after a wrong answer, and without studying it now. Models that score from an
incremental learner state (KARL, the logistic regression) read it from
``learner_states``, which keeps it between requests and applies only the new logs;
the others are given the whole table on every request. The dashboards' mastery
(``recall_if_not_studied_until``) reads the same evidence, so it is what the scheduler sees.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

import numpy as np

from apps.cards.models import Deck
from apps.study.learner_states import learner_state_current
from apps.study.models import StudyLog
from apps.study.student_model import ServedModel
from knowledge_tracing.data.columns import STUDY_ROW_COLUMNS, StudyRow
from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.history.learner_state import LearnerState
from knowledge_tracing.models.incremental import IncrementalModel
from knowledge_tracing.policies import Candidates
from knowledge_tracing.policies.predictions import (
    predict_candidates,
    predict_from_learner_state,
    recall_if_not_studied,
    recall_if_not_studied_from_learner_state,
)


def table_with_local_ids(rows: Sequence[tuple], extra_card_ids: Sequence[int]) -> StudyLogTable:
    """One learner's rows (``STUDY_ROW_COLUMNS``) as learner 0; items are the sorted card ids of the rows and extras."""
    columns = StudyRow(*zip(*rows)) if rows else StudyRow(*([] for _ in STUDY_ROW_COLUMNS))
    card_ids = np.unique(np.array(list(columns.card) + list(extra_card_ids), dtype=np.int64))
    return StudyLogTable.from_columns(
        learner=np.zeros(len(rows), dtype=np.int64),
        item=np.searchsorted(card_ids, np.array(columns.card, dtype=np.int64)),
        time=np.array([moment.timestamp() for moment in columns.answered_at], dtype=np.float64),
        outcome=np.array(columns.outcome, dtype=np.int8),
        grade=np.array(columns.grade, dtype=np.int8),
        duration_ms=np.array(columns.response_ms, dtype=np.float64),
        learner_keys=[str(learner) for learner in columns.learner[:1]] or ["learner"],
        item_keys=card_ids.tolist(),
    )


@dataclass(frozen=True)
class LearnerEvidence:
    """What the served model scores a learner's cards from, and the cards' item ids in it.

    ``state`` for a model that keeps an incremental learner state (then ``history`` is
    None), else ``history``: the learner's whole live log on the deck as one table.
    """

    items: np.ndarray
    state: LearnerState | None = None
    history: StudyLogTable | None = None


def learner_evidence(card_ids: list[int], *, learner, deck: Deck, served: ServedModel) -> LearnerEvidence:
    table_builder = served.table_builder or table_with_local_ids
    if isinstance(served.model, IncrementalModel):
        kept = learner_state_current(learner=learner, deck=deck, served=served, card_ids=card_ids, table_builder=table_builder)
        return LearnerEvidence(items=np.array([kept.item_of_card[card_id] for card_id in card_ids], dtype=np.int64), state=kept.state)
    rows = list(StudyLog.objects.live().filter(learner=learner, deck=deck).order_by("answered_at", "id").values_list(*STUDY_ROW_COLUMNS))
    history = table_builder(rows, card_ids)
    item_of_card = {card_id: item for item, card_id in enumerate(history.item_keys)}
    return LearnerEvidence(items=np.array([item_of_card[card_id] for card_id in card_ids], dtype=np.int64), history=history)


def candidates_with_predictions(candidates: Candidates, *, learner, deck: Deck, served: ServedModel, now: datetime) -> Candidates:
    """``candidates`` with predicted_recall and the three one-day-ahead arrays from ``served``."""
    if len(candidates) == 0:
        return candidates
    evidence = learner_evidence([int(card_id) for card_id in candidates.card_ids], learner=learner, deck=deck, served=served)
    if evidence.state is not None:
        return predict_from_learner_state(served.model, evidence.state, evidence.items, now=now.timestamp()).attach_to(candidates)
    return predict_candidates(served.model, evidence.history, evidence.items, now=now.timestamp(), learner=0).attach_to(candidates)


def recall_if_not_studied_until(card_ids: list[int], *, learner, deck: Deck, served: ServedModel, now: datetime, at: datetime) -> np.ndarray:
    """Predicted recall of each card at ``at`` if the learner studies none of them from ``now`` until then (same paths as above)."""
    if not card_ids:
        return np.zeros(0, dtype=np.float64)
    evidence = learner_evidence(card_ids, learner=learner, deck=deck, served=served)
    if evidence.state is not None:
        return recall_if_not_studied_from_learner_state(served.model, evidence.state, evidence.items, at=at.timestamp())
    return recall_if_not_studied(served.model, evidence.history, evidence.items, now=now.timestamp(), at=at.timestamp())
