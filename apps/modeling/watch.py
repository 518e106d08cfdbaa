"""The online watch: each served version's figures online, since its promotion, against its figures offline at training.

Beat runs ``served_versions_watch`` (the ``watch_served_versions`` task) every 15
minutes. For each active version it gathers the answers to the cards it predicted
since it last began serving (log loss and ECE from ``knowledge_tracing.metrics``, as
at training) and the cards it was asked to choose and failed to score (fallbacks). A
version is clearly worse, and rolled back to the version it replaced with a
``Promotion`` that says why and holds the figures, when

- of at least ``MNEMO_WATCH_MIN_ANSWERS`` showings, more than
  ``MNEMO_WATCH_MAX_FALLBACK_RATE`` fell back, or
- over at least ``MNEMO_WATCH_MIN_ANSWERS`` predicted answers, its online log loss is
  above its offline log loss by more than ``MNEMO_WATCH_LOG_LOSS_MARGIN``.

Whatever the verdict, it is kept in the version's ``OnlineCheck`` for the calibration
page. A version that replaced none is left serving (there is nothing to go back to)
and the verdict says so, logged at ERROR.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from apps.modeling.models import ModelVersion, OnlineCheck, Promotion
from apps.modeling.promotion import model_version_roll_back
from apps.modeling.selectors import predicted_answers
from apps.study.models import ShownCard
from knowledge_tracing.metrics import expected_calibration_error, log_loss

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WatchFigures:
    """A version's online figures since ``since`` beside its offline figures at training."""

    since: datetime
    answers: int
    log_loss: float | None
    ece: float | None
    offline_log_loss: float
    offline_ece: float
    showings: int
    fallbacks: int

    @property
    def fallback_rate(self) -> float | None:
        return self.fallbacks / self.showings if self.showings else None

    def as_json(self) -> dict:
        return {**asdict(self), "since": self.since.isoformat(), "fallback_rate": self.fallback_rate}


def serving_since(version: ModelVersion) -> datetime:
    """When ``version`` last began serving: its latest promotion (or its creation, had it none)."""
    promotion = version.promotions.order_by("-created_at", "-id").first()
    return version.created_at if promotion is None else promotion.created_at


def watch_figures(version: ModelVersion, *, since: datetime) -> WatchFigures:
    outcome, predicted = predicted_answers(version, since=since)
    counts = ShownCard.objects.filter(model_version=version.label, shown_at__gte=since).aggregate(
        showings=Count("id"), fallbacks=Count("id", filter=~Q(fallback_reason=""))
    )
    scored = len(outcome) > 0
    return WatchFigures(
        since=since,
        answers=len(outcome),
        log_loss=log_loss(outcome, predicted) if scored else None,
        ece=expected_calibration_error(outcome, predicted) if scored else None,
        offline_log_loss=version.log_loss,
        offline_ece=version.ece,
        **counts,
    )


def watch_verdict(figures: WatchFigures) -> tuple[str, str]:
    """(an ``OnlineCheck.Verdict``, why in words with the figures and the settings that decided)."""
    minimum = settings.MNEMO_WATCH_MIN_ANSWERS
    max_rate = settings.MNEMO_WATCH_MAX_FALLBACK_RATE
    margin = settings.MNEMO_WATCH_LOG_LOSS_MARGIN
    if figures.showings >= minimum and figures.fallback_rate > max_rate:
        return OnlineCheck.Verdict.DEGRADED, (
            f"{figures.fallbacks} of {figures.showings} showings fell back to FSRS ({figures.fallback_rate:.1%}), "
            f"above MNEMO_WATCH_MAX_FALLBACK_RATE {max_rate:.1%}"
        )
    if figures.answers < minimum:
        return OnlineCheck.Verdict.TOO_FEW, (
            f"{figures.answers} predicted answers so far; the watch judges from {minimum} (MNEMO_WATCH_MIN_ANSWERS)"
        )
    online = f"online log loss {figures.log_loss:.4f} (ECE {figures.ece:.4f}) over {figures.answers} answers"
    offline = f"offline {figures.offline_log_loss:.4f} (ECE {figures.offline_ece:.4f})"
    if figures.log_loss > figures.offline_log_loss + margin:
        return OnlineCheck.Verdict.DEGRADED, f"{online} is worse than {offline} by more than MNEMO_WATCH_LOG_LOSS_MARGIN {margin:.4f}"
    return OnlineCheck.Verdict.HEALTHY, f"{online} is within MNEMO_WATCH_LOG_LOSS_MARGIN {margin:.4f} of {offline}"


def model_version_watch(*, version: ModelVersion, now: datetime) -> OnlineCheck:
    """Judge one served version, roll it back when clearly worse, and keep the verdict."""
    figures = watch_figures(version, since=serving_since(version))
    verdict, reason = watch_verdict(figures)
    rollback = None
    if verdict == OnlineCheck.Verdict.DEGRADED:
        try:
            rollback = model_version_roll_back(
                version=version, action=Promotion.Action.WATCH_ROLLBACK, reason=f"{version.label}: {reason}",
                figures=figures.as_json(),
            )
        except ValueError as refusal:
            reason = f"{reason}; not rolled back: {refusal}"
            logger.error("the online watch found %s clearly worse: %s", version.label, reason)
        else:
            reason = f"{reason}; rolled back to {rollback.version.label}"
            logger.warning("the online watch rolled back %s: %s", version.label, reason)
    check, _ = OnlineCheck.objects.update_or_create(
        version=version,
        defaults={"checked_at": now, "verdict": verdict, "reason": reason, "figures": figures.as_json(), "rollback": rollback},
    )
    return check


def served_versions_watch(*, now: datetime | None = None) -> list[OnlineCheck]:
    """Judge every active version (see the module docstring); returns their checks."""
    now = now or timezone.now()
    return [model_version_watch(version=version, now=now) for version in ModelVersion.objects.filter(is_active=True).order_by("id")]
