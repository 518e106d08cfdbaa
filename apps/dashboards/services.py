"""Writes of the dashboards: a learner's mastery snapshot on a deck, a cohort's snapshot, and "Compute now".

Snapshots are replaced whole in one transaction, so a page never reads half a snapshot.
They are written by the hourly beat task, after every promotion (whatever made it:
training, the admin, a rollback), and when an instructor asks ("Compute now", run by a
worker under a lease, at most once per ``MNEMO_DASHBOARD_COMPUTE_INTERVAL_SECONDS``).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Callable

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from apps.accounts.models import Cohort
from apps.cards.cohort_decks import cohort_covered_decks
from apps.cards.models import Card, Deck
from apps.dashboards.mastery import (
    MASTERY_CHUNK,
    MICROSECOND,
    StudiedCardMastery,
    cohort_horizon,
    datetime_of_micros,
    default_horizon,
    micros_of,
    studied_card_masteries,
)
from apps.dashboards.models import (
    CardRecall,
    CohortCardMastery,
    CohortSnapshot,
    ConceptMastery,
    ItemDifficulty,
    LearnerMastery,
    RecallSnapshot,
    SnapshotComputation,
)
from apps.leases import Lease, stale_leases_recover
from apps.modeling.models import Promotion
from apps.modeling.scopes import Scope
from apps.outbox.enqueue import enqueue_on_commit
from apps.study.models import CardState, StudyLog
from apps.study.selectors import start_of_day

FORECAST_DAYS = 30
UNTAGGED = "(untagged)"
MAX_CONCEPT_LENGTH = 100

COMPUTE_COHORT_SNAPSHOT_TASK = "apps.dashboards.tasks.compute_cohort_snapshot"

UNSTARTED_AFTER = timedelta(minutes=10)
"""A "Compute now" still queued this long after it was queued is failed, so the next one may start."""

LearnersProgress = Callable[[int, int], None]
"""Called with (learners done, learners in all) while snapshots are computed; a learner is done when all their decks are."""

WRITE_BATCH = 2_000
INSERT_BATCH = 10_000


def card_is_at_risk(*, mastery, due_at, now, target_recall: float):
    """Mastery below the cohort's target, or overdue (its FSRS due time has passed): one card, or arrays of them."""
    return (mastery < target_recall) | (due_at <= now)


def concepts_of(tags: list[str]) -> list[str]:
    """The concepts a card counts towards: each of its tags, or ``UNTAGGED``."""
    return [tag[:MAX_CONCEPT_LENGTH] for tag in tags] or [UNTAGGED]


class MasteryMemo:
    """Each (learner, deck, horizon) computed once per refresh.

    A refresh writes every learner's own snapshot and then their cohorts'; a cohort
    without an exam date asks the very question its members' snapshots just answered.
    """

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._answers: dict[tuple[int, int, datetime], StudiedCardMastery] = {}

    def masteries(self, *, learners, deck: Deck, at: datetime) -> dict[int, StudiedCardMastery]:
        """Each learner's mastery of ``deck`` at ``at`` (by learner id), those not asked yet computed together."""
        missing = [learner for learner in learners if (learner.pk, deck.pk, at) not in self._answers]
        if missing:
            computed = studied_card_masteries(learners=missing, deck=deck, now=self.now, at=at)
            self._answers |= {(learner_id, deck.pk, at): studied for learner_id, studied in computed.items()}
        return {learner.pk: self._answers[learner.pk, deck.pk, at] for learner in learners}


def _studied_cards_insert(model, columns: dict[str, np.ndarray]) -> None:
    """The rows of ``columns`` (equal-length arrays; ``due_at`` in microseconds), ``INSERT_BATCH`` rows per ``executemany``.

    ``bulk_create`` builds a model instance per row: for a cohort's millions of cards
    that would be most of the snapshot's time.
    """
    adapt = connection.ops.adapt_datetimefield_value
    names = list(columns)
    due = names.index("due_at")
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})"
    total = len(columns["card_id"])
    with connection.cursor() as cursor:
        for start in range(0, total, INSERT_BATCH):
            values = [columns[name][start:start + INSERT_BATCH].tolist() for name in names]
            values[due] = [adapt(datetime_of_micros(micros)) for micros in values[due]]
            cursor.executemany(sql, list(zip(*values)))


def recall_snapshots_write(*, learners, deck: Deck, memo: MasteryMemo) -> list[RecallSnapshot]:
    """The learners' mastery of their studied cards of ``deck`` at the default horizon, replacing their previous snapshots."""
    horizon = default_horizon(memo.now)
    studied = memo.masteries(learners=learners, deck=deck, at=horizon.at)
    with transaction.atomic():
        RecallSnapshot.objects.filter(learner__in=learners, deck=deck).delete()
        snapshots = RecallSnapshot.objects.bulk_create(
            [
                RecallSnapshot(
                    learner=learner, deck=deck, computed_at=memo.now, horizon_at=horizon.at,
                    model_version=studied[learner.pk].model_version, reads_time=studied[learner.pk].reads_time,
                )
                for learner in learners
            ],
            batch_size=WRITE_BATCH,
        )
        cards = [studied[learner.pk] for learner in learners]
        _studied_cards_insert(CardRecall, {
            "snapshot_id": np.repeat([snapshot.pk for snapshot in snapshots], [len(each.card_ids) for each in cards]).astype(np.int64),
            **_concatenated(cards),
        })
    return snapshots


def _concatenated(cards: list[StudiedCardMastery]) -> dict[str, np.ndarray]:
    """The per-card arrays of several ``StudiedCardMastery`` end to end, by the snapshot tables' column names."""
    return {
        column: np.concatenate([getattr(each, name) for each in cards]) if cards else np.zeros(0, dtype=np.int64)
        for column, name in (("card_id", "card_ids"), ("mastery", "mastery"), ("due_at", "due_at"), ("lapses", "lapses"), ("reps", "reps"))
    }


def forecast_of_due(due_micros: np.ndarray, *, now: datetime, days: int = FORECAST_DAYS) -> list[int]:
    """Reviews falling due on each of the next ``days`` days of the due moments given (microseconds); today counts the overdue."""
    today = micros_of(start_of_day(now))
    day = timedelta(days=1) // MICROSECOND
    offsets = (np.asarray(due_micros, dtype=np.int64) - today) // day
    return np.bincount(np.maximum(offsets[offsets < days], 0), minlength=days)[:days].tolist()


def review_forecast(states, *, now: datetime, days: int = FORECAST_DAYS) -> list[int]:
    """``forecast_of_due`` of ``states`` (CardState rows)."""
    due = states.filter(due_at__lt=start_of_day(now) + timedelta(days=days)).values_list("due_at", flat=True)
    return forecast_of_due(np.array([micros_of(moment) for moment in due], dtype=np.int64), now=now, days=days)


def cohort_snapshot_write(*, cohort: Cohort, now: datetime | None = None, memo: MasteryMemo | None = None) -> CohortSnapshot:
    """Every member's mastery of the cohort's decks at the cohort's horizon, and the dashboard's aggregates of it."""
    memo = memo or MasteryMemo(now or timezone.now())
    now = memo.now
    horizon = cohort_horizon(exam_date=cohort.exam_date, now=now)
    members = list(cohort.members.order_by("pk"))
    decks = Deck.objects.in_bulk([deck.pk for deck in cohort_covered_decks(cohort)])
    learners_of = defaultdict(list)
    for learner_id, deck_id in learner_deck_pairs(deck_ids=list(decks), learner_ids=[member.pk for member in members]):
        learners_of[deck_id].append(learner_id)
    member_by_id = {member.pk: member for member in members}
    by_deck = {
        deck_id: memo.masteries(learners=[member_by_id[learner_id] for learner_id in learner_ids], deck=decks[deck_id], at=horizon.at)
        for deck_id, learner_ids in learners_of.items()
    }
    studied = [(learner, by_deck[deck_id][learner.pk]) for learner in members for deck_id in sorted(by_deck) if learner.pk in by_deck[deck_id]]
    columns = {
        "learner_id": np.repeat([learner.pk for learner, _ in studied], [len(cards.card_ids) for _, cards in studied]).astype(np.int64),
        **_concatenated([cards for _, cards in studied]),
    }
    with transaction.atomic():
        snapshot = CohortSnapshot.objects.create(
            cohort=cohort, computed_at=now, horizon_at=horizon.at, exam_date=horizon.exam_date, target_recall=cohort.target_recall,
            model_versions=sorted({cards.model_version for _, cards in studied}),
            versions_without_time=sorted({cards.model_version for _, cards in studied if not cards.reads_time}),
            review_forecast=forecast_of_due(columns["due_at"], now=now),
        )
        _studied_cards_insert(CohortCardMastery, {"snapshot_id": np.full(len(columns["card_id"]), snapshot.pk, dtype=np.int64), **columns})
        _write_learner_rows(snapshot, members, list(decks.values()), columns)
        _write_concept_rows(snapshot, columns)
        _write_item_rows(snapshot, columns, members)
        CohortSnapshot.objects.filter(cohort=cohort).exclude(pk=snapshot.pk).delete()
    return snapshot


def _groups(*keys: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Rows grouped by equal ``keys`` (each group's rows in their order): (the first row of each group, each group's rows)."""
    order = np.lexsort((np.arange(len(keys[0])), *reversed(keys)))
    changes = np.flatnonzero(np.any([np.diff(key[order]) != 0 for key in keys], axis=0)) + 1 if len(order) else np.zeros(0, np.int64)
    groups = np.split(order, changes) if len(order) else []
    return np.array([group[0] for group in groups], dtype=np.int64), groups


def _write_learner_rows(snapshot: CohortSnapshot, members, decks, columns: dict[str, np.ndarray]) -> None:
    at_risk = card_is_at_risk(
        mastery=columns["mastery"], due_at=columns["due_at"], now=micros_of(snapshot.computed_at), target_recall=snapshot.target_recall
    )
    firsts, groups = _groups(columns["learner_id"])
    rows_of = {int(columns["learner_id"][first]): group for first, group in zip(firsts, groups)}
    nothing = np.zeros(0, dtype=np.int64)
    activity = {
        row["learner"]: row
        for row in StudyLog.objects.live()
        .filter(learner__in=members, deck__in=decks)
        .values("learner")
        .annotate(answers=Count("id"), time_spent=Sum("response_ms"), last_seen=Max("answered_at"))
    }
    LearnerMastery.objects.bulk_create(
        (
            LearnerMastery(
                snapshot=snapshot, learner=learner, cards_studied=len(rows_of.get(learner.pk, nothing)),
                mean_mastery=float(np.mean(columns["mastery"][rows_of[learner.pk]])) if learner.pk in rows_of else None,
                cards_at_risk=int(at_risk[rows_of.get(learner.pk, nothing)].sum()), answers=activity.get(learner.pk, {}).get("answers", 0),
                time_spent_ms=activity.get(learner.pk, {}).get("time_spent") or 0, last_seen_at=activity.get(learner.pk, {}).get("last_seen"),
            )
            for learner in members
        ),
        batch_size=WRITE_BATCH,
    )


def _write_concept_rows(snapshot: CohortSnapshot, columns: dict[str, np.ndarray]) -> None:
    """Per (learner, concept): the mean mastery of the learner's cards with that concept (a card counts for each of its tags)."""
    card_ids = np.unique(columns["card_id"])
    tags = dict(Card.objects.filter(id__in=card_ids.tolist()).values_list("id", "tags"))
    concept_names = sorted({concept for card_id in card_ids.tolist() for concept in concepts_of(tags.get(card_id, []))})
    concept_index = {concept: index for index, concept in enumerate(concept_names)}
    concepts_of_card = [[concept_index[concept] for concept in concepts_of(tags.get(card_id, []))] for card_id in card_ids.tolist()]
    per_card = np.array([len(each) for each in concepts_of_card], dtype=np.int64)
    flat = np.array([index for each in concepts_of_card for index in each], dtype=np.int64)
    card_rows = np.searchsorted(card_ids, columns["card_id"])
    repeats = per_card[card_rows]
    rows = np.repeat(np.arange(len(card_rows)), repeats)
    nth = np.arange(len(rows)) - np.repeat(np.cumsum(repeats) - repeats, repeats)
    concept = flat[(np.cumsum(per_card) - per_card)[card_rows[rows]] + nth]
    learner = columns["learner_id"][rows]
    firsts, groups = _groups(learner, concept)
    ConceptMastery.objects.bulk_create(
        (
            ConceptMastery(
                snapshot=snapshot, learner_id=int(learner[first]), concept=concept_names[concept[first]],
                mean_mastery=float(np.mean(columns["mastery"][rows[group]])), cards_studied=len(group),
            )
            for first, group in zip(firsts, groups)
        ),
        batch_size=WRITE_BATCH,
    )


def _write_item_rows(snapshot: CohortSnapshot, columns: dict[str, np.ndarray], members) -> None:
    """Per card: mean mastery over the learners who studied it, their lapses, and what they answered (live logs)."""
    firsts, groups = _groups(columns["card_id"])
    card_ids = [int(columns["card_id"][first]) for first in firsts]
    answered = {
        row["card"]: (row["answers"], row["failures"])
        for row in StudyLog.objects.live()
        .filter(learner__in=members, card__in=card_ids)
        .values("card")
        .annotate(answers=Count("id"), failures=Count("id", filter=Q(outcome=False)))
    }
    ItemDifficulty.objects.bulk_create(
        (
            ItemDifficulty(
                snapshot=snapshot, card_id=card_id, learners=len(group), mean_mastery=float(np.mean(columns["mastery"][group])),
                lapses=int(columns["lapses"][group].sum()), answers=answered.get(card_id, (0, 0))[0], failures=answered.get(card_id, (0, 0))[1],
            )
            for card_id, group in zip(card_ids, groups)
        ),
        batch_size=WRITE_BATCH,
    )


def learner_deck_pairs(*, deck_ids=None, learner_ids=None) -> list[tuple[int, int]]:
    """(learner id, deck id) of every learner who has studied a deck, restricted to the ids given."""
    states = CardState.objects.all()
    if deck_ids is not None:
        states = states.filter(deck_id__in=deck_ids)
    if learner_ids is not None:
        states = states.filter(learner_id__in=learner_ids)
    return list(states.values_list("learner_id", "deck_id").distinct().order_by("learner_id", "deck_id"))


def snapshots_refresh(*, scope: Scope | None = None, now: datetime | None = None, progress: LearnersProgress | None = None) -> int:
    """The learners' own snapshots of the decks ``scope`` serves (None: every deck), then the cohorts it touches.

    A cohort scope is its members on its decks; a deck scope, that deck's learners and
    the cohorts it is assigned to. ``progress`` hears of each learner done. Returns how
    many (learner, deck) snapshots were written.
    """
    memo = MasteryMemo(now or timezone.now())
    scope = scope or Scope()
    cohort = Cohort.objects.filter(pk=scope.cohort_id).first() if scope.cohort_id else None
    if scope.cohort_id is not None and cohort is None:
        return 0
    if cohort is not None:
        pairs = learner_deck_pairs(deck_ids=list(cohort.decks.values_list("pk", flat=True)), learner_ids=list(cohort.members.values_list("pk", flat=True)))
        cohorts = [cohort]
    else:
        pairs = learner_deck_pairs(deck_ids=None if scope.deck_id is None else [scope.deck_id])
        cohorts = Cohort.objects.all() if scope.deck_id is None else Cohort.objects.filter(decks=scope.deck_id).distinct()
    users = get_user_model().objects.in_bulk({learner_id for learner_id, _ in pairs})
    decks = Deck.objects.in_bulk({deck_id for _, deck_id in pairs})
    learners_of = defaultdict(list)
    for learner_id, deck_id in pairs:
        learners_of[deck_id].append(users[learner_id])
    decks_left = Counter(learner_id for learner_id, _ in pairs)
    for deck_id, learners in learners_of.items():
        for start in range(0, len(learners), MASTERY_CHUNK):
            chunk = learners[start:start + MASTERY_CHUNK]
            recall_snapshots_write(learners=chunk, deck=decks[deck_id], memo=memo)
            decks_left.subtract(learner.pk for learner in chunk)
            if progress:
                progress(sum(1 for left in decks_left.values() if left == 0), len(decks_left))
    for each in cohorts:
        cohort_snapshot_write(cohort=each, memo=memo)
    return len(pairs)


def snapshots_after_promotion(*, promotion_id: int) -> int:
    """The snapshots of the learners the promoted version's scope serves; returns how many learner-deck snapshots."""
    promotion = Promotion.objects.filter(pk=promotion_id).first()
    return 0 if promotion is None else snapshots_refresh(scope=Scope.from_key(promotion.scope_key))


def cohort_mastery_settings_update(*, cohort: Cohort, exam_date: date | None, target_recall: float) -> Cohort:
    """Set the horizon (exam date, None: the default days ahead) and the target below which a card is at risk."""
    cohort.exam_date, cohort.target_recall = exam_date, target_recall
    cohort.full_clean(exclude=["owner", "name"])
    cohort.save(update_fields=["exam_date", "target_recall", "updated_at"])
    return cohort


class ComputationRefused(Exception):
    """A "Compute now" that may not start yet; the message says why and when it may."""


def snapshot_computation_request(
    *, cohort: Cohort, requested_by, now: datetime | None = None, queue: str | None = None
) -> SnapshotComputation:
    """Queue a computation of the cohort's numbers for a worker, unless one is under way or the last was asked too recently.

    "Too recently" is within ``MNEMO_DASHBOARD_COMPUTE_INTERVAL_SECONDS``; ``queue`` None is Celery's default queue.
    """
    now = now or timezone.now()
    interval = timedelta(seconds=settings.MNEMO_DASHBOARD_COMPUTE_INTERVAL_SECONDS)
    with transaction.atomic():
        Cohort.objects.select_for_update().filter(pk=cohort.pk).first()  # one request at a time per cohort
        latest = SnapshotComputation.objects.filter(cohort=cohort).order_by("-created_at", "-id").first()
        if latest is not None and latest.in_progress:
            raise ComputationRefused("The numbers of this cohort are already being computed.")
        if latest is not None and now < latest.created_at + interval:
            wait = _duration(latest.created_at + interval - now)
            raise ComputationRefused(f"The numbers were last requested less than {_duration(interval)} ago; try again in {wait}.")
        computation = SnapshotComputation.objects.create(cohort=cohort, requested_by=requested_by, created_at=now, queued_at=now)
        enqueue_on_commit(COMPUTE_COHORT_SNAPSHOT_TASK, args=[computation.pk], queue=queue)
    return computation


def _duration(span: timedelta) -> str:
    seconds = math.ceil(span.total_seconds())
    return f"{seconds} seconds" if seconds <= 120 else f"{math.ceil(seconds / 60)} minutes"


def snapshot_computation_run(*, computation_id: int, worker: str) -> SnapshotComputation | None:
    """Claim a queued computation and write the cohort's snapshots (its members' own too), recording progress per learner.

    None when it was not queued (a duplicate message finds it claimed).
    """
    lease = Lease.claim(
        SnapshotComputation.objects, pk=computation_id, queued=SnapshotComputation.Status.QUEUED,
        running=SnapshotComputation.Status.RUNNING, worker=worker, name=f"snapshot computation {computation_id}",
    )
    if lease is None:
        return None
    computation = SnapshotComputation.objects.select_related("cohort").get(pk=computation_id)
    try:
        with lease.working():
            snapshots_refresh(
                scope=Scope.of_cohort(computation.cohort), progress=lambda done, total: lease.beat(learners_done=done, learners_total=total)
            )
            lease.finish(status=SnapshotComputation.Status.DONE, finished_at=timezone.now())
    except Exception as error:
        lease.fail(status=SnapshotComputation.Status.FAILED, error=str(error)[:2000], finished_at=timezone.now())
        raise
    return SnapshotComputation.objects.get(pk=computation_id)


def snapshot_computations_recover_stale(*, now: datetime | None = None) -> dict:
    """Queue again (or fail) computations whose worker died; fail those no worker started in time. Returns the counts.

    A running computation whose worker stopped renewing its lease is retried (or failed,
    with the reason, after its attempts); one still queued ``UNSTARTED_AFTER`` after it
    was queued is failed, so that it stops holding back the next "Compute now".
    """
    now = now or timezone.now()
    counts = stale_leases_recover(
        SnapshotComputation.objects, running=SnapshotComputation.Status.RUNNING, now=now,
        retry=lambda reason: {"status": SnapshotComputation.Status.QUEUED, "error": reason, "queued_at": now},
        fail=lambda reason: {"status": SnapshotComputation.Status.FAILED, "error": reason, "finished_at": now},
        on_retry=lambda computation: enqueue_on_commit(COMPUTE_COHORT_SNAPSHOT_TASK, args=[computation.pk]),
    )
    counts["unstarted"] = SnapshotComputation.objects.filter(status=SnapshotComputation.Status.QUEUED, queued_at__lt=now - UNSTARTED_AFTER).update(
        status=SnapshotComputation.Status.FAILED, finished_at=now,
        error=f"no worker started it within {_duration(UNSTARTED_AFTER)}: is a Celery worker running?",
    )
    return counts
