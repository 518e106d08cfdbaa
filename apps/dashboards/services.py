"""Writes of the dashboards: a learner's mastery snapshot on a deck, a cohort's snapshot, and "Compute now".

Snapshots are replaced whole in one transaction, so a page never reads half a snapshot.
They are written by the hourly beat task, after every promotion (whatever made it:
training, the admin, a rollback), and when an instructor asks ("Compute now", run by a
worker under a lease, at most once per ``MNEMO_DASHBOARD_COMPUTE_INTERVAL_SECONDS``).
"""

from __future__ import annotations

import math
from collections import defaultdict
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
from apps.dashboards.mastery import StudiedCardMastery, cohort_horizon, default_horizon, studied_card_mastery
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
"""Called with (learners done, learners in all) while a cohort snapshot is computed."""


def card_is_at_risk(*, mastery: float, due_at: datetime, now: datetime, target_recall: float) -> bool:
    """Mastery below the cohort's target, or overdue (its FSRS due time has passed)."""
    return mastery < target_recall or due_at <= now


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

    def mastery(self, *, learner, deck: Deck, at: datetime) -> StudiedCardMastery:
        key = (learner.pk, deck.pk, at)
        if key not in self._answers:
            self._answers[key] = studied_card_mastery(learner=learner, deck=deck, now=self.now, at=at)
        return self._answers[key]


def _studied_cards_insert(model, fixed: dict, studied: StudiedCardMastery) -> None:
    """One INSERT of every card's row: ``bulk_create`` builds a model instance per row, half the snapshot task's time."""
    adapt = connection.ops.adapt_datetimefield_value
    columns = [*fixed, "card_id", "mastery", "due_at", "lapses", "reps"]
    rows = [
        (*fixed.values(), int(card_id), float(value), adapt(due), int(lapses), int(reps))
        for card_id, value, due, lapses, reps in zip(studied.card_ids, studied.mastery, studied.due_at, studied.lapses, studied.reps)
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})", rows
        )


def recall_snapshot_write(*, learner, deck: Deck, now: datetime | None = None, memo: MasteryMemo | None = None) -> RecallSnapshot:
    """The learner's mastery of their studied cards of ``deck`` at the default horizon, replacing the previous snapshot."""
    memo = memo or MasteryMemo(now or timezone.now())
    horizon = default_horizon(memo.now)
    studied = memo.mastery(learner=learner, deck=deck, at=horizon.at)
    with transaction.atomic():
        RecallSnapshot.objects.filter(learner=learner, deck=deck).delete()
        snapshot = RecallSnapshot.objects.create(
            learner=learner, deck=deck, computed_at=memo.now, horizon_at=horizon.at,
            model_version=studied.model_version, reads_time=studied.reads_time,
        )
        _studied_cards_insert(CardRecall, {"snapshot_id": snapshot.pk}, studied)
    return snapshot


def review_forecast(states, *, now: datetime, days: int = FORECAST_DAYS) -> list[int]:
    """Reviews falling due on each of the next ``days`` days of ``states`` (CardState rows); today counts the overdue."""
    today = start_of_day(now)
    counts = [0] * days
    for due_at in states.filter(due_at__lt=today + timedelta(days=days)).values_list("due_at", flat=True):
        counts[max((due_at - today).days, 0)] += 1
    return counts


def cohort_snapshot_write(*, cohort: Cohort, now: datetime | None = None, memo: MasteryMemo | None = None) -> CohortSnapshot:
    """Every member's mastery of the cohort's decks at the cohort's horizon, and the dashboard's aggregates of it."""
    memo = memo or MasteryMemo(now or timezone.now())
    now = memo.now
    horizon = cohort_horizon(exam_date=cohort.exam_date, now=now)
    members = list(cohort.members.order_by("pk"))
    decks = Deck.objects.in_bulk([deck.pk for deck in cohort_covered_decks(cohort)])
    decks_of = defaultdict(list)
    for learner_id, deck_id in learner_deck_pairs(deck_ids=list(decks), learner_ids=[member.pk for member in members]):
        decks_of[learner_id].append(decks[deck_id])
    studied = [(learner, memo.mastery(learner=learner, deck=deck, at=horizon.at)) for learner in members for deck in decks_of[learner.pk]]
    with transaction.atomic():
        snapshot = CohortSnapshot.objects.create(
            cohort=cohort, computed_at=now, horizon_at=horizon.at, exam_date=horizon.exam_date, target_recall=cohort.target_recall,
            model_versions=sorted({cards.model_version for _, cards in studied}),
            versions_without_time=sorted({cards.model_version for _, cards in studied if not cards.reads_time}),
            review_forecast=review_forecast(CardState.objects.filter(learner__in=members, deck__in=decks.values(), card__deleted_at__isnull=True), now=now),
        )
        for learner, cards in studied:
            _studied_cards_insert(CohortCardMastery, {"snapshot_id": snapshot.pk, "learner_id": learner.pk}, cards)
        rows = [
            (learner.pk, int(card_id), float(value), due_at, int(lapses))
            for learner, cards in studied
            for card_id, value, due_at, lapses in zip(cards.card_ids, cards.mastery, cards.due_at, cards.lapses)
        ]
        _write_learner_rows(snapshot, members, list(decks.values()), rows)
        _write_concept_rows(snapshot, rows)
        _write_item_rows(snapshot, rows, members)
        CohortSnapshot.objects.filter(cohort=cohort).exclude(pk=snapshot.pk).delete()
    return snapshot


def _write_learner_rows(snapshot: CohortSnapshot, members, decks, rows) -> None:
    mastery_by_learner = defaultdict(list)
    at_risk = defaultdict(int)
    for learner_id, _, mastery, due_at, _ in rows:
        mastery_by_learner[learner_id].append(mastery)
        at_risk[learner_id] += card_is_at_risk(mastery=mastery, due_at=due_at, now=snapshot.computed_at, target_recall=snapshot.target_recall)
    activity = {
        row["learner"]: row
        for row in StudyLog.objects.live()
        .filter(learner__in=members, deck__in=decks)
        .values("learner")
        .annotate(answers=Count("id"), time_spent=Sum("response_ms"), last_seen=Max("answered_at"))
    }
    LearnerMastery.objects.bulk_create(
        LearnerMastery(
            snapshot=snapshot, learner=learner, cards_studied=len(mastery_by_learner[learner.pk]),
            mean_mastery=float(np.mean(mastery_by_learner[learner.pk])) if mastery_by_learner[learner.pk] else None,
            cards_at_risk=at_risk[learner.pk], answers=activity.get(learner.pk, {}).get("answers", 0),
            time_spent_ms=activity.get(learner.pk, {}).get("time_spent") or 0, last_seen_at=activity.get(learner.pk, {}).get("last_seen"),
        )
        for learner in members
    )


def _write_concept_rows(snapshot: CohortSnapshot, rows) -> None:
    tags = dict(Card.objects.filter(id__in={row[1] for row in rows}).values_list("id", "tags"))
    mastery_by_cell = defaultdict(list)
    for learner_id, card_id, mastery, _, _ in rows:
        for concept in concepts_of(tags.get(card_id, [])):
            mastery_by_cell[learner_id, concept].append(mastery)
    ConceptMastery.objects.bulk_create(
        ConceptMastery(snapshot=snapshot, learner_id=learner_id, concept=concept, mean_mastery=float(np.mean(values)), cards_studied=len(values))
        for (learner_id, concept), values in mastery_by_cell.items()
    )


def _write_item_rows(snapshot: CohortSnapshot, rows, members) -> None:
    """Per card: mean mastery over the learners who studied it, their lapses, and what they answered (live logs)."""
    masteries, lapses = defaultdict(list), defaultdict(int)
    for _, card_id, mastery, _, card_lapses in rows:
        masteries[card_id].append(mastery)
        lapses[card_id] += card_lapses
    answered = {
        row["card"]: (row["answers"], row["failures"])
        for row in StudyLog.objects.live()
        .filter(learner__in=members, card__in=list(masteries))
        .values("card")
        .annotate(answers=Count("id"), failures=Count("id", filter=Q(outcome=False)))
    }
    ItemDifficulty.objects.bulk_create(
        ItemDifficulty(
            snapshot=snapshot, card_id=card_id, learners=len(values), mean_mastery=float(np.mean(values)), lapses=lapses[card_id],
            answers=answered.get(card_id, (0, 0))[0], failures=answered.get(card_id, (0, 0))[1],
        )
        for card_id, values in masteries.items()
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
    decks_of = defaultdict(list)
    for learner_id, deck_id in pairs:
        decks_of[learner_id].append(decks[deck_id])
    for done, (learner_id, learner_decks) in enumerate(decks_of.items(), start=1):
        for deck in learner_decks:
            recall_snapshot_write(learner=users[learner_id], deck=deck, memo=memo)
        if progress:
            progress(done, len(decks_of))
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
