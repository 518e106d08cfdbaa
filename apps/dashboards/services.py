"""Writes of the dashboards: a learner's recall snapshot on a deck, and a cohort's snapshot built from them.

Both are replaced whole in one transaction, so a page never reads half a snapshot.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import numpy as np
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone

from apps.accounts.models import Cohort
from apps.accounts.selectors import cohort_covered_decks
from apps.cards.models import Card, Deck
from apps.dashboards.models import CardRecall, CohortSnapshot, ConceptMastery, ItemDifficulty, LearnerMastery, RecallSnapshot
from apps.dashboards.predictions import studied_card_recall
from apps.modeling.models import TrainingRun
from apps.modeling.scopes import Scope
from apps.study.models import CardState, StudyLog
from apps.study.selectors import start_of_day

AT_RISK_RECALL = 0.7
"""A studied card is at risk when its predicted recall is below this, or when it is due."""

FORECAST_DAYS = 30
UNTAGGED = "(untagged)"
MAX_CONCEPT_LENGTH = 100


def card_is_at_risk(*, predicted_recall: float, due_at: datetime, now: datetime) -> bool:
    return predicted_recall < AT_RISK_RECALL or due_at <= now


def concepts_of(tags: list[str]) -> list[str]:
    """The concepts a card counts towards: each of its tags, or ``UNTAGGED``."""
    return [tag[:MAX_CONCEPT_LENGTH] for tag in tags] or [UNTAGGED]


def recall_snapshot_write(*, learner, deck: Deck, now: datetime | None = None) -> RecallSnapshot:
    """Predict the learner's studied cards of ``deck`` now and store them, replacing the previous snapshot."""
    now = now or timezone.now()
    recall = studied_card_recall(learner=learner, deck=deck, now=now)
    with transaction.atomic():
        RecallSnapshot.objects.filter(learner=learner, deck=deck).delete()
        snapshot = RecallSnapshot.objects.create(learner=learner, deck=deck, computed_at=now, model_version=recall.model_version)
        _card_recalls_insert(snapshot, recall)
    return snapshot


def _card_recalls_insert(snapshot: RecallSnapshot, recall) -> None:
    """One INSERT of every card's row: ``bulk_create`` builds a model instance per row, half the snapshot task's time."""
    table, adapt = CardRecall._meta.db_table, connection.ops.adapt_datetimefield_value
    rows = [
        (snapshot.pk, int(card_id), float(value), adapt(due), int(lapses), int(reps))
        for card_id, value, due, lapses, reps in zip(recall.card_ids, recall.predicted_recall, recall.due_at, recall.lapses, recall.reps)
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (snapshot_id, card_id, predicted_recall, due_at, lapses, reps) VALUES (%s, %s, %s, %s, %s, %s)", rows
        )


def review_forecast(states, *, now: datetime, days: int = FORECAST_DAYS) -> list[int]:
    """Reviews falling due on each of the next ``days`` days of ``states`` (CardState rows); today counts the overdue."""
    today = start_of_day(now)
    counts = [0] * days
    for due_at in states.filter(due_at__lt=today + timedelta(days=days)).values_list("due_at", flat=True):
        counts[max((due_at - today).days, 0)] += 1
    return counts


def cohort_snapshot_write(*, cohort: Cohort, now: datetime | None = None, refresh_learners: bool = True) -> CohortSnapshot:
    """Aggregate the members' recall snapshots on the cohort's decks (computed first when ``refresh_learners``)."""
    now = now or timezone.now()
    members = list(cohort.members.all())
    decks = cohort_covered_decks(cohort)
    if refresh_learners:
        _recall_snapshots_write(learner_deck_pairs(deck_ids=[deck.pk for deck in decks], learner_ids=[learner.pk for learner in members]), now)
    rows = list(
        CardRecall.objects.filter(snapshot__learner__in=members, snapshot__deck__in=decks).values_list(
            "snapshot__learner_id", "card_id", "predicted_recall", "due_at", "lapses"
        )
    )
    versions = sorted(set(RecallSnapshot.objects.filter(learner__in=members, deck__in=decks).values_list("model_version", flat=True)))
    tags = dict(Card.objects.filter(id__in={row[1] for row in rows}).values_list("id", "tags"))
    with transaction.atomic():
        snapshot = CohortSnapshot.objects.create(
            cohort=cohort, computed_at=now, model_versions=versions,
            review_forecast=review_forecast(CardState.objects.filter(learner__in=members, deck__in=decks, card__deleted_at__isnull=True), now=now),
        )
        _write_learner_rows(snapshot, members, decks, rows, now)
        _write_concept_rows(snapshot, rows, tags)
        _write_item_rows(snapshot, rows)
        CohortSnapshot.objects.filter(cohort=cohort).exclude(pk=snapshot.pk).delete()
    return snapshot


def _write_learner_rows(snapshot, members, decks, rows, now) -> None:
    recall_by_learner = defaultdict(list)
    at_risk = defaultdict(int)
    for learner_id, _, recall, due_at, _ in rows:
        recall_by_learner[learner_id].append(recall)
        at_risk[learner_id] += card_is_at_risk(predicted_recall=recall, due_at=due_at, now=now)
    activity = {
        row["learner"]: row
        for row in StudyLog.objects.live()
        .filter(learner__in=members, deck__in=decks)
        .values("learner")
        .annotate(answers=Count("id"), time_spent=Sum("response_ms"), last_seen=Max("answered_at"))
    }
    LearnerMastery.objects.bulk_create(
        LearnerMastery(
            snapshot=snapshot, learner=learner, cards_studied=len(recall_by_learner[learner.pk]),
            mean_recall=float(np.mean(recall_by_learner[learner.pk])) if recall_by_learner[learner.pk] else None,
            cards_at_risk=at_risk[learner.pk], answers=activity.get(learner.pk, {}).get("answers", 0),
            time_spent_ms=activity.get(learner.pk, {}).get("time_spent") or 0, last_seen_at=activity.get(learner.pk, {}).get("last_seen"),
        )
        for learner in members
    )


def _write_concept_rows(snapshot, rows, tags) -> None:
    recall_by_cell = defaultdict(list)
    for learner_id, card_id, recall, _, _ in rows:
        for concept in concepts_of(tags.get(card_id, [])):
            recall_by_cell[learner_id, concept].append(recall)
    ConceptMastery.objects.bulk_create(
        ConceptMastery(snapshot=snapshot, learner_id=learner_id, concept=concept, mean_recall=float(np.mean(values)), cards_studied=len(values))
        for (learner_id, concept), values in recall_by_cell.items()
    )


def _write_item_rows(snapshot, rows) -> None:
    recalls, lapses = defaultdict(list), defaultdict(int)
    for _, card_id, recall, _, card_lapses in rows:
        recalls[card_id].append(recall)
        lapses[card_id] += card_lapses
    ItemDifficulty.objects.bulk_create(
        ItemDifficulty(snapshot=snapshot, card_id=card_id, learners=len(values), mean_recall=float(np.mean(values)), lapses=lapses[card_id])
        for card_id, values in recalls.items()
    )


def learner_deck_pairs(*, deck_ids=None, learner_ids=None) -> list[tuple[int, int]]:
    """(learner id, deck id) of every learner who has studied a deck, restricted to the ids given."""
    states = CardState.objects.all()
    if deck_ids is not None:
        states = states.filter(deck_id__in=deck_ids)
    if learner_ids is not None:
        states = states.filter(learner_id__in=learner_ids)
    return list(states.values_list("learner_id", "deck_id").distinct().order_by("learner_id", "deck_id"))


def _recall_snapshots_write(pairs: list[tuple[int, int]], now: datetime) -> None:
    users = get_user_model().objects.in_bulk({learner_id for learner_id, _ in pairs})
    decks = Deck.objects.in_bulk({deck_id for _, deck_id in pairs})
    for learner_id, deck_id in pairs:
        recall_snapshot_write(learner=users[learner_id], deck=decks[deck_id], now=now)


def snapshots_refresh(*, deck_ids=None, now: datetime | None = None) -> int:
    """Recompute the recall snapshot of every learner who studied one of the decks (None: any), then the cohorts with those decks.

    Returns how many (learner, deck) snapshots were written.
    """
    now = now or timezone.now()
    pairs = learner_deck_pairs(deck_ids=deck_ids)
    _recall_snapshots_write(pairs, now)
    cohorts = Cohort.objects.all() if deck_ids is None else Cohort.objects.filter(decks__in=deck_ids).distinct()
    for cohort in cohorts:
        cohort_snapshot_write(cohort=cohort, now=now, refresh_learners=False)
    return len(pairs)


def snapshots_after_training_run(*, run_id: int) -> int:
    """After a succeeded run, the snapshots of the learners its scope serves; returns how many learner-deck snapshots."""
    run = TrainingRun.objects.filter(pk=run_id, status=TrainingRun.Status.SUCCEEDED).first()
    if run is None:
        return 0
    scope = Scope.from_key(run.scope_key)
    if scope.cohort_id is not None:
        cohort = Cohort.objects.filter(pk=scope.cohort_id).first()
        return 0 if cohort is None else cohort_snapshot_write(cohort=cohort).learners.count()
    return snapshots_refresh(deck_ids=None if scope.deck_id is None else [scope.deck_id])
