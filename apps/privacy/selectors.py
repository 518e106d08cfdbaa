"""Reads for data rights: a person's pending deletion, what stops them from deleting their account, what is due."""

from datetime import datetime

from django.db.models import QuerySet

from apps.accounts.models import ApiToken, Cohort
from apps.cards.models import Card, Deck
from apps.privacy.models import AccountDeletion
from apps.research.selectors import consent_open_period
from apps.study.models import CardState, StudyLog


def deletion_pending(user) -> AccountDeletion | None:
    """The user's deletion waiting out its grace period, if any."""
    return AccountDeletion.objects.filter(user=user, status=AccountDeletion.Status.PENDING).first()


def deletion_blockers(user) -> list[str]:
    """Why the account cannot delete itself now, in words (empty: it can).

    Administrators are removed by another administrator, who can first hand over what
    they run; an instructor first hands over or closes their cohorts, whose learners
    would otherwise lose their instructor.
    """
    reasons = []
    if user.is_staff or user.is_superuser:
        reasons.append("Administrator accounts are removed by another administrator: ask one to take away your staff status first.")
    owned = list(Cohort.objects.filter(owner=user).order_by("name").values_list("name", flat=True))
    if owned:
        reasons.append(
            f"You run the cohort{'s' if len(owned) > 1 else ''} {', '.join(f'“{name}”' for name in owned)}: "
            "ask an administrator to hand them to another instructor first."
        )
    return reasons


def deletions_due(*, now: datetime) -> QuerySet:
    """Pending deletions whose grace period is over, oldest first."""
    return AccountDeletion.objects.filter(status=AccountDeletion.Status.PENDING, erase_after__lte=now).order_by("erase_after", "id")


def data_held(user) -> dict[str, int | bool]:
    """A few counts of what Mnemo holds about the user, for the "Your data" page."""
    return {
        "decks": Deck.objects.filter(owner=user).count(),
        "cards": Card.objects.filter(deck__owner=user, deck__deleted_at__isnull=True).count(),
        "study_logs": StudyLog.objects.filter(learner=user).count(),
        "cards_studied": CardState.objects.filter(learner=user).count(),
        "cohorts": user.cohorts.count(),
        "api_tokens": ApiToken.objects.filter(user=user).count(),
        "research_consent": consent_open_period(learner=user) is not None,
    }
