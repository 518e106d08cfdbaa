"""Mastery: the predicted recall of each card a learner has studied, at a stated horizon, if not studied before it.

Every dashboard figure (mastery, at risk, hardest, strongest and weakest) comes from
this one computation. Recall *now* says little: a card failed a minute ago has just
been shown again and answered in its relearning step, so every model (and the FSRS
forgetting curve, at zero days elapsed) puts it near 1, while a card known for weeks
but last seen a while ago looks weakest. What an instructor means by mastery is recall
that lasts, so it is asked at a horizon: by default 7 days after the computation, or a
cohort's exam date when its instructor sets one (``MasteryHorizon``).

The model is the one that would choose the learner's next card (``active_model``),
through the study app's serving path (``recall_of_learners``), so the
dashboards read what the scheduler sees. A model that reads no times (DKT, CAKT:
``reads_time`` False) cannot forecast forgetting; its mastery is its prediction of the
card's next answer, whenever it comes, and the pages say so. Without a served model
mastery comes from the learner's FSRS-6 card state (the ``fsrs`` package's default
parameters, which keep every card's due date) on the library's forgetting curve, in
whole days as FSRS counts them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from datetime import timezone as dt_timezone

import numpy as np
from django.utils import timezone

from apps.cards.models import Deck
from apps.study.candidate_predictions import recall_of_learners
from apps.study.models import CardState
from apps.study.student_model import active_model
from knowledge_tracing.history.fsrs_memory import DEFAULT_FSRS6_PARAMETERS, SECONDS_PER_DAY, forgetting_curve

DEFAULT_HORIZON_DAYS = 7
FSRS_STATE_SOURCE = "fsrs-card-state"
"""The ``model_version`` of mastery computed from the card states because no model serves the learner."""

STATE_COLUMNS = ("card_id", "due_at", "last_review_at", "stability", "lapses", "reps")
STATE_CHUNK = 20_000
MASTERY_CHUNK = 100
"""Learners scored from one table: their logs are held at once (about 100 bytes a log as rows)."""


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
    """Parallel arrays over the learner's studied live cards of the deck, in card id order.

    ``due_at`` is in whole microseconds since the epoch (``datetime_of_micros`` turns one
    back into the exact moment stored), so a cohort's cards stay arrays, not datetimes.
    """

    model_version: str
    reads_time: bool
    card_ids: np.ndarray
    mastery: np.ndarray
    due_at: np.ndarray
    lapses: np.ndarray
    reps: np.ndarray


EPOCH = datetime(1970, 1, 1, tzinfo=dt_timezone.utc)
MICROSECOND = timedelta(microseconds=1)


def micros_of(moment: datetime) -> int:
    return (moment - EPOCH) // MICROSECOND


def datetime_of_micros(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=int(micros))


def studied_card_mastery(*, learner, deck: Deck, now: datetime, at: datetime) -> StudiedCardMastery:
    """Mastery at ``at`` of every card the learner has studied in ``deck`` (see the module docstring)."""
    return studied_card_masteries(learners=[learner], deck=deck, now=now, at=at)[learner.pk]


def studied_card_masteries(*, learners, deck: Deck, now: datetime, at: datetime) -> dict[int, StudiedCardMastery]:
    """``studied_card_mastery`` of each of ``learners`` (by id), ``MASTERY_CHUNK`` learners at a time.

    A chunk's card states are read in one query; its learners served by the same model
    are scored from one read of their live logs and one table (``recall_of_learners``),
    those served by none on the FSRS forgetting curve of all their cards at once.
    """
    studied = {}
    for start in range(0, len(learners), MASTERY_CHUNK):
        studied |= _chunk_masteries(learners[start:start + MASTERY_CHUNK], deck=deck, now=now, at=at)
    return studied


def _chunk_masteries(learners, *, deck: Deck, now: datetime, at: datetime) -> dict[int, StudiedCardMastery]:
    states = _card_states(learner_ids=[learner.pk for learner in learners], deck=deck)
    served_by = defaultdict(list)
    for learner in learners:
        if learner.pk in states:
            served = active_model(deck=deck, kind=None, learner=learner)
            served_by[None if served is None else served.version].append((learner, served))
    mastery = {}
    for version, group in served_by.items():
        if version is None:
            recall = _fsrs_state_recall(np.concatenate([states[learner.pk]["last_review_at"] for learner, _ in group]),
                                        np.concatenate([states[learner.pk]["stability"] for learner, _ in group]), at)
            ends = np.cumsum([len(states[learner.pk]["card_id"]) for learner, _ in group])
            mastery |= {learner.pk: part for (learner, _), part in zip(group, np.split(recall, ends[:-1]))}
        else:
            mastery |= recall_of_learners(
                {learner.pk: states[learner.pk]["card_id"].tolist() for learner, _ in group}, deck=deck, served=group[0][1], now=now, at=at
            )
    studied = {}
    for group in served_by.values():
        for learner, served in group:
            version, reads_time = (FSRS_STATE_SOURCE, True) if served is None else (served.version, served.model.reads_time)
            arrays = states[learner.pk]
            studied[learner.pk] = StudiedCardMastery(
                model_version=version, reads_time=reads_time, card_ids=arrays["card_id"], mastery=np.asarray(mastery[learner.pk], dtype=np.float64),
                due_at=arrays["due_at"], lapses=arrays["lapses"], reps=arrays["reps"],
            )
    nothing = np.zeros(0, dtype=np.int64)
    unstudied = StudiedCardMastery(FSRS_STATE_SOURCE, True, nothing, np.zeros(0, dtype=np.float64), nothing, nothing, nothing)
    return {learner.pk: studied.get(learner.pk, unstudied) for learner in learners}


def _card_states(*, learner_ids: list[int], deck: Deck) -> dict[int, dict[str, np.ndarray]]:
    """Each learner's live card states on ``deck`` as arrays (``STATE_COLUMNS``, times in microseconds), in card id order."""
    rows = (
        CardState.objects.filter(learner_id__in=learner_ids, deck=deck, card__deleted_at__isnull=True)
        .order_by("learner_id", "card_id")
        .values_list("learner_id", *STATE_COLUMNS)
        .iterator(chunk_size=STATE_CHUNK)
    )
    by_learner = defaultdict(list)
    for row in rows:
        by_learner[row[0]].append(row[1:])
    return {learner_id: _state_arrays(learner_rows) for learner_id, learner_rows in by_learner.items()}


def _state_arrays(rows: list[tuple]) -> dict[str, np.ndarray]:
    card_id, due_at, last_review_at, stability, lapses, reps = zip(*rows)
    return {
        "card_id": np.array(card_id, dtype=np.int64),
        "due_at": np.array([micros_of(moment) for moment in due_at], dtype=np.int64),
        "last_review_at": np.array([moment.timestamp() for moment in last_review_at], dtype=np.float64),
        "stability": np.array([np.nan if value is None else value for value in stability], dtype=np.float64),
        "lapses": np.array(lapses, dtype=np.int64),
        "reps": np.array(reps, dtype=np.int64),
    }


def _fsrs_state_recall(last_review: np.ndarray, stability: np.ndarray, at: datetime) -> np.ndarray:
    """Recall at ``at`` on the forgetting curve of each card's stability (NaN: no memory state yet, 0)."""
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
