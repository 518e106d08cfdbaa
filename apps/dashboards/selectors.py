"""Reads of the dashboards: the cohort page and its learners from the latest snapshot, a learner's own progress.

Mastery (and so at risk, hardest, strongest and weakest) always comes from snapshots;
only what the study log says directly (answers per day, observed recall rate, streaks)
and the FSRS card states (due dates, the workload simulation) are read live, for one
learner at a time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from django.db.models import Count, F, FloatField, Sum
from django.db.models.functions import Cast, NullIf
from django.utils import timezone

from apps.accounts.models import Cohort
from apps.dashboards.mastery import DEFAULT_HORIZON_DAYS, source_phrase
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
from apps.dashboards.services import card_is_at_risk, concepts_of, review_forecast
from apps.study.models import CardState, StudyLog
from apps.study.selectors import start_of_day
from knowledge_tracing.history.fsrs_memory import SECONDS_PER_DAY
from knowledge_tracing.simulation.workload import workload_by_retention

HEATMAP_BUCKETS = 10
HARDEST_SHOWN = 20
ACTIVITY_DAYS = 60
CALENDAR_DAYS = 364
MASTERY_BINS = 10
STRONGEST_SHOWN = 5


def mastery_bucket(mastery: float) -> int:
    """0 (mastery below 10%) .. 9 (90% and above): the colour class of a heatmap cell."""
    return min(int(mastery * HEATMAP_BUCKETS), HEATMAP_BUCKETS - 1)


def latest_cohort_snapshot(cohort: Cohort) -> CohortSnapshot | None:
    return CohortSnapshot.objects.filter(cohort=cohort).order_by("-computed_at", "-id").first()


def latest_computation(cohort: Cohort) -> SnapshotComputation | None:
    return SnapshotComputation.objects.filter(cohort=cohort).order_by("-created_at", "-id").first()


def snapshot_sources(snapshot: CohortSnapshot) -> str:
    return source_phrase(snapshot.model_versions, snapshot.versions_without_time)


@dataclass(frozen=True)
class HeatmapCell:
    mean_mastery: float | None
    cards_studied: int

    @property
    def bucket(self) -> int | None:
        return None if self.mean_mastery is None else mastery_bucket(self.mean_mastery)

    @property
    def percent(self) -> str:
        return "" if self.mean_mastery is None else f"{self.mean_mastery:.0%}"


def learner_rows(snapshot: CohortSnapshot):
    """The snapshot's learners by username (a query: the dashboard shows a page of it, the CSV all of it)."""
    return snapshot.learners.select_related("learner").order_by("learner__username", "pk")


def heatmap(snapshot: CohortSnapshot, learners) -> tuple[list[str], list[tuple[LearnerMastery, list[HeatmapCell]]]]:
    """(every concept of the snapshot in name order, one row per learner of ``learners``: their cell for each concept)."""
    learners = list(learners)
    cells = {
        (learner_id, concept): HeatmapCell(mastery, cards)
        for learner_id, concept, mastery, cards in ConceptMastery.objects.filter(
            snapshot=snapshot, learner_id__in=[row.learner_id for row in learners]
        ).values_list("learner_id", "concept", "mean_mastery", "cards_studied")
    }
    concepts = list(ConceptMastery.objects.filter(snapshot=snapshot).order_by("concept").values_list("concept", flat=True).distinct())
    empty = HeatmapCell(None, 0)
    return concepts, [(row, [cells.get((row.learner_id, concept), empty) for concept in concepts]) for row in learners]


def concept_difficulty(snapshot: CohortSnapshot) -> list[dict]:
    """Each concept over the cohort, hardest first: mean mastery over every learner's studied cards with it (summed in the database)."""
    totals = (
        ConceptMastery.objects.filter(snapshot=snapshot)
        .values("concept")
        .annotate(weighted=Sum(F("mean_mastery") * F("cards_studied"), output_field=FloatField()), cards=Sum("cards_studied"), learners=Count("id"))
        .order_by()
    )
    rows = [{"concept": row["concept"], "mean_mastery": row["weighted"] / row["cards"], "cards_studied": row["cards"], "learners": row["learners"]} for row in totals]
    return sorted(rows, key=lambda row: (row["mean_mastery"], row["concept"]))


def hardest_items(snapshot: CohortSnapshot, *, limit: int | None = HARDEST_SHOWN) -> list[ItemDifficulty]:
    """Cards by lowest mean mastery across learners, then highest observed failure rate."""
    items = (
        ItemDifficulty.objects.filter(snapshot=snapshot)
        .select_related("card")
        .annotate(observed_failure_rate=Cast(F("failures"), FloatField()) / NullIf(F("answers"), 0))
        .order_by("mean_mastery", F("observed_failure_rate").desc(nulls_last=True), "card_id")
    )
    return list(items if limit is None else items[:limit])


def forecast_totals(forecast: list[int]) -> dict:
    return {"next_7_days": sum(forecast[:7]), "next_30_days": sum(forecast[:30])}


def forecast_days(forecast: list[int], *, now: datetime) -> list[dict]:
    today = start_of_day(now).date()
    return [{"day": today + timedelta(days=offset), "reviews": count} for offset, count in enumerate(forecast)]


def learner_card_mastery(snapshot: CohortSnapshot, *, learner) -> list[CohortCardMastery]:
    """The learner's studied cards in the cohort snapshot, lowest mastery first."""
    return list(
        CohortCardMastery.objects.filter(snapshot=snapshot, learner=learner, card__deleted_at__isnull=True)
        .select_related("card")
        .order_by("mastery", "card_id")
    )


def cards_at_risk(snapshot: CohortSnapshot, card_rows: list[CohortCardMastery]) -> list[CohortCardMastery]:
    """The cards at risk when the snapshot was computed, as its counts say."""
    return [
        row for row in card_rows
        if card_is_at_risk(mastery=row.mastery, due_at=row.due_at, now=snapshot.computed_at, target_recall=snapshot.target_recall)
    ]


def daily_activity(*, learner, decks=None, now: datetime, days: int = ACTIVITY_DAYS) -> list[dict]:
    """Answers, recalls, observed recall rate and time spent on each of the last ``days`` days (live logs)."""
    first_day = start_of_day(now) - timedelta(days=days - 1)
    logs = StudyLog.objects.live().filter(learner=learner, answered_at__gte=first_day)
    if decks is not None:
        logs = logs.filter(deck__in=decks)
    per_day = defaultdict(lambda: [0, 0, 0])
    for answered_at, outcome, response_ms in logs.values_list("answered_at", "outcome", "response_ms"):
        day = per_day[timezone.localtime(answered_at).date()]
        day[0] += 1
        day[1] += int(outcome)
        day[2] += response_ms
    rows = []
    for offset in range(days):
        day = first_day.date() + timedelta(days=offset)
        answers, recalled, response_ms = per_day.get(day, (0, 0, 0))
        rows.append({"day": day, "answers": answers, "recalled": recalled, "recall_rate": recalled / answers if answers else None, "minutes": response_ms / 60000})
    return rows


def study_streak(study_days: set[date], *, today: date) -> int:
    """Consecutive study days up to today (or up to yesterday, when today has no answer yet)."""
    day = today if today in study_days else today - timedelta(days=1)
    streak = 0
    while day in study_days:
        streak += 1
        day -= timedelta(days=1)
    return streak


def mastery_distribution(masteries: list[float]) -> list[dict]:
    counts, edges = np.histogram(np.asarray(masteries, dtype=np.float64), bins=MASTERY_BINS, range=(0.0, 1.0))
    return [{"range": f"{low:.0%}–{high:.0%}", "cards": int(count)} for low, high, count in zip(edges[:-1], edges[1:], counts)]


def concept_mastery(card_rows: list[CardRecall]) -> list[dict]:
    """Mean mastery per concept over the given cards, strongest first (ties by name)."""
    by_concept = defaultdict(list)
    for row in card_rows:
        for concept in concepts_of(row.card.tags):
            by_concept[concept].append(row.mastery)
    rows = [{"concept": concept, "mean_mastery": float(np.mean(values)), "cards_studied": len(values)} for concept, values in by_concept.items()]
    return sorted(rows, key=lambda row: (-row["mean_mastery"], row["concept"]))


def strongest_and_weakest(concepts: list[dict], *, shown: int = STRONGEST_SHOWN) -> tuple[list[dict], list[dict]]:
    """The top and the bottom of the ranking (strongest first): at most half of the concepts each, so none is in both.

    A concept whose mastery, as the tables show it (3 decimals), equals one on the other
    list is left out of both: two tags on the same cards would otherwise be "strongest"
    and "weakest" at once.
    """
    each = min(shown, len(concepts) // 2)
    strongest, weakest = concepts[:each], concepts[::-1][:each]
    strongest_values = {_as_shown(row) for row in strongest}
    weakest_values = {_as_shown(row) for row in weakest}
    return [row for row in strongest if _as_shown(row) not in weakest_values], [row for row in weakest if _as_shown(row) not in strongest_values]


def _as_shown(row: dict) -> float:
    return round(row["mean_mastery"], 3)


def workload_curve(*, learner, now: datetime) -> list[dict]:
    """Daily reviews over the next 90 days for each target retention (mean and 90% band), from the learner's card states."""
    states = list(
        CardState.objects.filter(learner=learner, card__deleted_at__isnull=True, stability__isnull=False)
        .values_list("stability", "difficulty", "last_review_at")
    )
    if not states:
        return []
    stability, difficulty, last_review = zip(*states)
    days_since = np.floor(np.maximum(now.timestamp() - np.array([moment.timestamp() for moment in last_review]), 0.0) / SECONDS_PER_DAY)
    return [
        {
            "target_retention": point.target_retention, "daily_reviews": point.mean_daily_reviews,
            "low": point.low_daily_reviews, "high": point.high_daily_reviews, "recall_at_end": point.expected_recall_at_end,
        }
        for point in workload_by_retention(np.array(stability), np.array(difficulty), days_since)
    ]


@dataclass(frozen=True)
class LearnerProgress:
    computed_at: datetime | None
    horizon_days: int
    sources: str
    calendar: list[dict]
    streak: int
    activity: list[dict]
    distribution: list[dict]
    forecast: list[dict]
    strongest: list[dict]
    weakest: list[dict]
    concepts: int
    workload: list[dict]


def learner_progress(*, learner, now: datetime | None = None) -> LearnerProgress:
    now = now or timezone.now()
    calendar = daily_activity(learner=learner, now=now, days=CALENDAR_DAYS)
    study_days = {row["day"] for row in calendar if row["answers"]}
    snapshots = list(RecallSnapshot.objects.filter(learner=learner))
    card_rows = list(
        CardRecall.objects.filter(snapshot__in=snapshots, card__deleted_at__isnull=True).select_related("card").order_by("card_id")
    )
    concepts = concept_mastery(card_rows)
    strongest, weakest = strongest_and_weakest(concepts)
    return LearnerProgress(
        computed_at=min((snapshot.computed_at for snapshot in snapshots), default=None),
        horizon_days=DEFAULT_HORIZON_DAYS,
        sources=source_phrase(
            sorted({snapshot.model_version for snapshot in snapshots}),
            sorted({snapshot.model_version for snapshot in snapshots if not snapshot.reads_time}),
        ),
        calendar=calendar,
        streak=study_streak(study_days, today=start_of_day(now).date()),
        activity=calendar[-ACTIVITY_DAYS:],
        distribution=mastery_distribution([row.mastery for row in card_rows]),
        forecast=forecast_days(review_forecast(CardState.objects.filter(learner=learner, card__deleted_at__isnull=True), now=now), now=now),
        strongest=strongest,
        weakest=weakest,
        concepts=len(concepts),
        workload=workload_curve(learner=learner, now=now),
    )
