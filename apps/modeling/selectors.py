"""Reads for the calibration pages: versions and runs of a scope, offline and online calibration, fallbacks of a version."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.modeling.models import ModelVersion, TrainingRun
from apps.study.models import ShownCard, StudyLog
from knowledge_tracing.metrics import summarize

ONLINE_WINDOWS = {"7": 7, "30": 30, "all": None}
RUNS_SHOWN = 50


def scope_versions(scope_key: str):
    return ModelVersion.objects.filter(scope_key=scope_key).select_related("run").order_by("-created_at", "-id")


def scope_runs(scope_key: str):
    return TrainingRun.objects.filter(scope_key=scope_key).order_by("-created_at", "-id")[:RUNS_SHOWN]


def offline_calibration(version: ModelVersion) -> dict:
    """The figures measured on the held-out logs when the version was trained."""
    return {
        "auc": version.auc, "log_loss": version.log_loss, "ece": version.ece, "brier": version.brier,
        "n": version.n, "reliability": version.reliability,
    }


def predicted_answers(version: ModelVersion, *, since: datetime | None) -> tuple[np.ndarray, np.ndarray]:
    """(outcome, predicted recall) of the live answers to cards shown with ``version``'s prediction since ``since`` (None: ever)."""
    logs = StudyLog.objects.live().filter(model_version=version.label, predicted_recall__isnull=False)
    if since is not None:
        logs = logs.filter(shown_at__gte=since)
    rows = list(logs.values_list("outcome", "predicted_recall"))
    if not rows:
        return np.zeros(0, dtype=np.int8), np.zeros(0, dtype=np.float64)
    outcome, predicted = (np.array(column, dtype=np.float64) for column in zip(*rows))
    return outcome.astype(np.int8), predicted


def online_calibration(version: ModelVersion, *, days: int | None, now: datetime | None = None) -> dict | None:
    """The same figures on the predictions logged at show time and the answers that followed (live logs only).

    ``days`` limits the window to cards shown in the last ``days`` days (None: all); None
    when the version has predicted no answered card in the window.
    """
    since = None if days is None else (now or timezone.now()) - timedelta(days=days)
    outcome, predicted = predicted_answers(version, since=since)
    if len(outcome) == 0:
        return None
    figures = summarize(outcome, predicted)
    return {**figures, "auc": None if np.isnan(figures["auc"]) else figures["auc"]}


def _count_of(showings: QuerySet) -> Coalesce:
    return Coalesce(Subquery(showings.order_by().values("model_version").annotate(rows=Count("id")).values("rows")), 0)


def with_fallback_counts(versions: QuerySet) -> QuerySet:
    """``versions`` annotated with ``showings`` (cards each was asked to choose) and ``fallbacks``.

    A fallback is a showing the version failed to score, chosen by FSRS due order instead.
    """
    showings = ShownCard.objects.filter(model_version=OuterRef("label"))
    return versions.annotate(showings=_count_of(showings), fallbacks=_count_of(showings.exclude(fallback_reason="")))
