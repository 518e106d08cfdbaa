"""Predicted recall now of every card a learner has studied in a deck, through the study app's serving path.

The model is the one that would choose the learner's next card (``active_model``), and
the cards are scored exactly as candidates are (``candidates_with_predictions``), so a
dashboard shows what the scheduler sees. Without a served model, recall comes from the
learner's FSRS-6 card state (the ``fsrs`` package's default parameters, which keep
every card's due date) on the library's forgetting curve, in whole days as FSRS counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from apps.cards.models import Deck
from apps.study.candidate_predictions import candidates_with_predictions
from apps.study.models import CardState
from apps.study.student_model import active_model
from knowledge_tracing.fsrs_memory import DEFAULT_FSRS6_PARAMETERS, SECONDS_PER_DAY, forgetting_curve
from knowledge_tracing.policies import Candidates

FSRS_STATE_SOURCE = "fsrs-card-state"
"""The ``model_version`` of predictions made from the card states because no model serves the learner."""

STATE_COLUMNS = ("card_id", "due_at", "last_review_at", "stability", "lapses", "reps")


@dataclass(frozen=True)
class StudiedCardRecall:
    """Parallel arrays over the learner's studied live cards of the deck, in card id order."""

    model_version: str
    card_ids: np.ndarray
    predicted_recall: np.ndarray
    due_at: list[datetime]
    lapses: np.ndarray
    reps: np.ndarray


def studied_card_recall(*, learner, deck: Deck, now: datetime) -> StudiedCardRecall:
    rows = list(
        CardState.objects.filter(learner=learner, deck=deck, card__deleted_at__isnull=True)
        .order_by("card_id")
        .values_list(*STATE_COLUMNS)
    )
    card_ids = np.array([row[0] for row in rows], dtype=np.int64)
    last_review = np.array([row[2].timestamp() for row in rows], dtype=np.float64)
    served = active_model(deck=deck, kind=None, learner=learner) if rows else None
    if served is None:
        version, recall = FSRS_STATE_SOURCE, _fsrs_state_recall(rows, last_review, now)
    else:
        candidates = Candidates(
            card_ids=card_ids,
            is_new=np.zeros(len(rows), dtype=bool),
            due_at=np.array([row[1].timestamp() for row in rows], dtype=np.float64),
            predicted_recall=np.full(len(rows), np.nan),
            last_answered_at=last_review,
        )
        scored = candidates_with_predictions(candidates, learner=learner, deck=deck, served=served, now=now)
        version, recall = served.version, np.asarray(scored.predicted_recall, dtype=np.float64)
    return StudiedCardRecall(
        model_version=version,
        card_ids=card_ids,
        predicted_recall=recall,
        due_at=[row[1] for row in rows],
        lapses=np.array([row[4] for row in rows], dtype=np.int64),
        reps=np.array([row[5] for row in rows], dtype=np.int64),
    )


def _fsrs_state_recall(rows: list[tuple], last_review: np.ndarray, now: datetime) -> np.ndarray:
    """Recall on the forgetting curve of each card's stability (a card still in its first steps: 0 days elapsed)."""
    stability = np.array([np.nan if row[3] is None else row[3] for row in rows], dtype=np.float64)
    elapsed_days = np.floor(np.maximum(now.timestamp() - last_review, 0.0) / SECONDS_PER_DAY)
    with np.errstate(invalid="ignore"):
        recall = forgetting_curve(elapsed_days, stability, DEFAULT_FSRS6_PARAMETERS[20])
    return np.nan_to_num(np.asarray(recall, dtype=np.float64), nan=0.0)
