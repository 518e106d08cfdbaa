"""Reads for accounts: who an API token belongs to, cohorts and what may join them."""

from allauth.mfa.models import Authenticator
from django.db.models import Count
from django.utils import timezone

from apps.accounts.models import ApiToken, Cohort, CohortDeparture, CohortInvite
from apps.accounts.services import token_digest


def api_token_find(*, raw_key: str) -> ApiToken | None:
    """The active user's unexpired token with this raw key, or None.

    The user's learner settings come in the same query: every study request reads them.
    """
    return (
        ApiToken.objects.select_related("user__learner_settings")
        .filter(key_digest=token_digest(raw_key), user__is_active=True, expires_at__gt=timezone.now())
        .first()
    )


def api_tokens_of(user):
    """The user's API tokens, newest first (expired ones too, until revoked)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def cohorts_owned_by(user):
    """The user's cohorts with their member and deck counts."""
    return (
        Cohort.objects.filter(owner=user)
        .annotate(member_count=Count("members", distinct=True), deck_count=Count("decks", distinct=True))
        .order_by("name", "id")
    )


def cohort_members(cohort: Cohort):
    return cohort.members.order_by("username")


def cohort_departures(cohort: Cohort):
    """Who left the cohort and when, latest first (the learner is empty once their account is erased)."""
    return CohortDeparture.objects.filter(cohort=cohort).select_related("learner").order_by("-left_at", "-id")


def cohort_invites(cohort: Cohort):
    """The cohort's invites, newest first."""
    return cohort.invites.all()


def invite_by_code(code: str) -> CohortInvite | None:
    return CohortInvite.objects.select_related("cohort__owner").filter(code=code.strip().upper()).first()


def cohorts_joined_by(user):
    """The cohorts the user is a member of."""
    return user.cohorts.select_related("owner").order_by("name", "id")


def has_totp(user) -> bool:
    """Whether the user signs in with an authenticator app's code as a second factor."""
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
