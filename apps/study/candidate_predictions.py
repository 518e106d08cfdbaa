"""Fill a learner's candidates with the served model's predictions (now, and one day ahead), or forecast their recall.

The learner's live answers on the deck become a one-learner study-log table (built by
the served model when it has its own card ids and embeddings), and the library scores
every candidate in one batch: recall now, and recall tomorrow after a correct answer,
after a wrong answer, and without studying it now. Models that score from an
incremental learner state (KARL, the logistic regression) read it from
``learner_states``, which keeps it between requests and applies only the new logs;
the others are given the whole table on every request. The dashboards' mastery
(``recall_of_learners``) reads the same evidence for many learners at once, so it is
what the scheduler sees.
"""

from collections import defaultdict
from dataclasses import dataclass, replace
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
)

LOG_CHUNK = 20_000


def table_with_local_ids(rows: Sequence[tuple], extra_card_ids: Sequence[int]) -> StudyLogTable:
    """Learners' rows (``STUDY_ROW_COLUMNS``), learners numbered in id order; items are the sorted card ids of the rows and extras."""
    columns = StudyRow(*zip(*rows)) if rows else StudyRow(*([] for _ in STUDY_ROW_COLUMNS))
    card_ids = np.unique(np.array(list(columns.card) + list(extra_card_ids), dtype=np.int64))
    learner_ids, learners = np.unique(np.array(columns.learner, dtype=np.int64), return_inverse=True)
    return StudyLogTable.from_columns(
        learner=learners.astype(np.int64),
        item=np.searchsorted(card_ids, np.array(columns.card, dtype=np.int64)),
        time=np.array([moment.timestamp() for moment in columns.answered_at], dtype=np.float64),
        outcome=np.array(columns.outcome, dtype=np.int8),
        grade=np.array(columns.grade, dtype=np.int8),
        duration_ms=np.array(columns.response_ms, dtype=np.float64),
        learner_keys=[str(learner) for learner in learner_ids.tolist()] or ["learner"],
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


def _one_learner(table: StudyLogTable, learner: int) -> StudyLogTable:
    """``learner``'s rows of ``table`` as learner 0 of a table of their own, the keys shared: what a request scores.

    Models may read the learner's index (KARL's item features leave out a training
    learner's own answers by it), and a request always scores its learner as 0.
    """
    start, end = np.searchsorted(table.learner, [learner, learner + 1])
    return replace(table.take(slice(start, end)), learner=np.zeros(end - start, dtype=np.int64), learner_keys=(table.learner_keys[learner],))


def recall_of_learners(
    card_ids_of: dict[int, list[int]], *, deck: Deck, served: ServedModel, now: datetime, at: datetime
) -> dict[int, np.ndarray]:
    """Predicted recall at ``at`` of each learner's cards (learner id -> card ids) if none is studied from ``now`` until then.

    The learners' live logs on ``deck`` are read in one query; each learner is scored
    from a table shared with others (``served`` must serve them all) as a fresh request
    scores them (``recall_if_not_studied``). A prediction may depend on which cards the
    table holds (KARL ranks a card's neighbours among them), so learners share a table
    only when they bring the same cards beyond the served model's own, which makes
    their table the one a request would build. Usually that is every learner: a
    cohort costs a query and a table per call rather than per learner.
    """
    builder = served.table_builder or table_with_local_ids
    rows_of = defaultdict(list)
    for row in (
        StudyLog.objects.live().filter(learner_id__in=list(card_ids_of), deck=deck)
        .order_by("learner_id", "answered_at", "id").values_list(*STUDY_ROW_COLUMNS).iterator(chunk_size=LOG_CHUNK)
    ):
        rows_of[row[0]].append(row)
    known = set(builder([], []).item_keys)
    sharing = defaultdict(list)
    for learner_id, card_ids in card_ids_of.items():
        if card_ids:
            sharing[frozenset({row[1] for row in rows_of[learner_id]} | set(card_ids)) - known].append(learner_id)
    recall = {learner_id: np.zeros(0, dtype=np.float64) for learner_id, card_ids in card_ids_of.items() if not card_ids}
    for learner_ids in sharing.values():
        cards = sorted({card_id for learner_id in learner_ids for card_id in card_ids_of[learner_id]})
        table = builder([row for learner_id in learner_ids for row in rows_of[learner_id]], cards)
        index_of_learner = {key: index for index, key in enumerate(table.learner_keys)} if len(table) else {}
        item_of_card = {card_id: item for item, card_id in enumerate(table.item_keys)}
        for learner_id in learner_ids:
            learner = index_of_learner.get(str(learner_id))
            if learner is None:  # card states but no live log: an empty history, as a fresh request would have
                history = builder([], card_ids_of[learner_id])
                items_of = {card_id: item for item, card_id in enumerate(history.item_keys)}
            else:
                history, items_of = _one_learner(table, learner), item_of_card
            items = np.array([items_of[card_id] for card_id in card_ids_of[learner_id]], dtype=np.int64)
            recall[learner_id] = recall_if_not_studied(served.model, history, items, now=now.timestamp(), at=at.timestamp(), learner=0)
    return recall
