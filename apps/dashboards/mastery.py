"""Mastery: the predicted recall of each card a learner has studied, at a stated horizon, if not studied before it.

Every dashboard figure (mastery, at risk, hardest, strongest and weakest) comes from
this one computation. Recall *now* says little: a card failed a minute ago has just
been shown again and answered in its relearning step, so every model (and the FSRS
forgetting curve, at zero days elapsed) puts it near 1, while a card known for weeks
but last seen a while ago looks weakest. What an instructor means by mastery is recall
that lasts, so it is asked at a horizon: by default 7 days after the computation, or a
cohort's exam date when its instructor sets one (``MasteryHorizon``).

The model is the one that would choose the learner's next card (``active_model``),
through the study app's serving path (``recall_if_not_studied_until``), so the
dashboards read what the scheduler sees. A model that reads no times (DKT, CAKT:
``reads_time`` False) cannot forecast forgetting; its mastery is its prediction of the
card's next answer, whenever it comes, and the pages say so. Without a served model
mastery comes from the learner's FSRS-6 card state (the ``fsrs`` package's default
parameters, which keep every card's due date) on the library's forgetting curve, in
whole days as FSRS counts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
from django.utils import timezone

from apps.cards.models import Deck
from apps.study.candidate_predictions import recall_if_not_studied_until
from apps.study.models import CardState
from apps.study.student_model import active_model
from knowledge_tracing.history.fsrs_memory import DEFAULT_FSRS6_PARAMETERS, SECONDS_PER_DAY, forgetting_curve

DEFAULT_HORIZON_DAYS = 7
FSRS_STATE_SOURCE = "fsrs-card-state"
"""The ``model_version`` of mastery computed from the card states because no model serves the learner."""

STATE_COLUMNS = ("card_id", "due_at", "last_review_at", "stability", "lapses", "reps")


@dataclass(frozen=True)
class MasteryHorizon:
    """The moment mastery is predicted for, and the exam date that set it (None: the default days ahead)."""

    at: datetime
    exam_date: date | None = None


def default_horizon(now: datetime) -> MasteryHorizon:
    return MasteryHorizon(at=now + timedelta(days=DEFAULT_HORIZON_DAYS))


def cohort_horizon(*, exam_date: date | None, now: datetime) -> MasteryHorizon:
    """The start of the exam day (site time zone) while it is today or ahead (on the day itself: now); else the default."""
    if exam_date is None or exam_date < timezone.localdate(now):
        return default_horizon(now)
    exam_starts = timezone.make_aware(datetime.combine(exam_date, time.min))
    return MasteryHorizon(at=max(exam_starts, now), exam_date=exam_date)


def horizon_phrase(*, horizon_at: datetime, exam_date: date | None, computed_at: datetime) -> str:
    """How the pages state a snapshot's horizon: "if not studied for the next 7 days" or "at the exam on ..."."""
    if exam_date is not None:
        return f"at the exam on {exam_date:%Y-%m-%d}, if not studied before then"
    days = round((horizon_at - computed_at).total_seconds() / SECONDS_PER_DAY)
    return f"if not studied for the next {days} day{'s' if days != 1 else ''}"


@dataclass(frozen=True)
class StudiedCardMastery:
    """Parallel arrays over the learner's studied live cards of the deck, in card id order."""

    model_version: str
    reads_time: bool
    card_ids: np.ndarray
    mastery: np.ndarray
    due_at: list[datetime]
    lapses: np.ndarray
    reps: np.ndarray


def studied_card_mastery(*, learner, deck: Deck, now: datetime, at: datetime) -> StudiedCardMastery:
    """Mastery at ``at`` of every card the learner has studied in ``deck`` (see the module docstring)."""
    rows = list(
        CardState.objects.filter(learner=learner, deck=deck, card__deleted_at__isnull=True)
        .order_by("card_id")
        .values_list(*STATE_COLUMNS)
    )
    card_ids = [row[0] for row in rows]
    served = active_model(deck=deck, kind=None, learner=learner) if rows else None
    if served is None:
        version, reads_time, mastery = FSRS_STATE_SOURCE, True, _fsrs_state_recall(rows, at)
    else:
        mastery = recall_if_not_studied_until(card_ids, learner=learner, deck=deck, served=served, now=now, at=at)
        version, reads_time = served.version, served.model.reads_time
    return StudiedCardMastery(
        model_version=version,
        reads_time=reads_time,
        card_ids=np.array(card_ids, dtype=np.int64),
        mastery=np.asarray(mastery, dtype=np.float64),
        due_at=[row[1] for row in rows],
        lapses=np.array([row[4] for row in rows], dtype=np.int64),
        reps=np.array([row[5] for row in rows], dtype=np.int64),
    )


def _fsrs_state_recall(rows: list[tuple], at: datetime) -> np.ndarray:
    """Recall at ``at`` on the forgetting curve of each card's stability (no memory state yet: 0)."""
    last_review = np.array([row[2].timestamp() for row in rows], dtype=np.float64)
    stability = np.array([np.nan if row[3] is None else row[3] for row in rows], dtype=np.float64)
    elapsed_days = np.floor(np.maximum(at.timestamp() - last_review, 0.0) / SECONDS_PER_DAY)
    with np.errstate(invalid="ignore"):
        recall = forgetting_curve(elapsed_days, stability, DEFAULT_FSRS6_PARAMETERS[20])
    return np.nan_to_num(np.asarray(recall, dtype=np.float64), nan=0.0)


def source_phrase(model_versions: list[str], versions_without_time: list[str]) -> str:
    """Where the pages' mastery comes from, in words: the served versions, or the FSRS card states."""
    names = [
        "each card's FSRS-6 memory state (no model is served for these cards yet)" if version == FSRS_STATE_SOURCE else f"the served model {version}"
        for version in model_versions
    ]
    if not names:
        return "no studied card yet"
    phrase = ", ".join(names)
    if versions_without_time:
        phrase += (
            f"; {', '.join(versions_without_time)} read{'s' if len(versions_without_time) == 1 else ''} no times,"
            " so there mastery is the prediction of the card's next answer, whenever it comes"
        )
    return phrase
