"""Reads for research: consent histories, and the study logs an export may contain."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.accounts.models import Cohort
from apps.cards.models import Deck
from apps.cards.selectors import deck_subtree
from apps.research.models import ResearchConsentPeriod, ResearchExport
from apps.study.models import StudyLog


@dataclass(frozen=True)
class ExportFilters:
    """Which consented logs an export holds: answered in [answered_from, answered_before), of a cohort's members, of a deck."""

    answered_from: datetime | None = None
    answered_before: datetime | None = None
    cohort: Cohort | None = None
    deck: Deck | None = None

    @classmethod
    def of_export(cls, export: ResearchExport) -> "ExportFilters":
        return cls(answered_from=export.answered_from, answered_before=export.answered_before, cohort=export.cohort, deck=export.deck)

    def describe(self) -> dict:
        """The filters as the manifest records them (UUIDs, ISO-8601 times, null for none)."""
        return {
            "answered_from": self.answered_from.isoformat() if self.answered_from else None,
            "answered_before": self.answered_before.isoformat() if self.answered_before else None,
            "cohort": str(self.cohort.uuid) if self.cohort else None,
            "deck": str(self.deck.uuid) if self.deck else None,
        }


def consent_periods(*, learner) -> QuerySet:
    """The learner's consent history, oldest first."""
    return ResearchConsentPeriod.objects.filter(learner=learner).order_by("started_at")


def consent_open_period(*, learner) -> ResearchConsentPeriod | None:
    return ResearchConsentPeriod.objects.filter(learner=learner, ended_at__isnull=True).first()


def _answered_while_consenting() -> Exists:
    """A consent period of the log's learner that was open when the log was answered."""
    periods = ResearchConsentPeriod.objects.filter(learner=OuterRef("learner"), started_at__lte=OuterRef("answered_at"))
    return Exists(periods.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=OuterRef("answered_at"))))


def consented_study_logs(filters: ExportFilters) -> QuerySet:
    """Live (not undone) logs answered while their learner consented, filtered; learner by learner, in time order."""
    logs = StudyLog.objects.live().filter(_answered_while_consenting())
    if filters.answered_from:
        logs = logs.filter(answered_at__gte=filters.answered_from)
    if filters.answered_before:
        logs = logs.filter(answered_at__lt=filters.answered_before)
    if filters.cohort:
        logs = logs.filter(learner__in=filters.cohort.members.all())
    if filters.deck:
        logs = logs.filter(deck__in=deck_subtree(filters.deck))
    return logs.order_by("learner_id", "answered_at", "id")


def exports_of(*, researcher) -> QuerySet:
    return ResearchExport.objects.filter(requested_by=researcher).select_related("cohort", "deck")
