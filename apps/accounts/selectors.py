"""Reads for accounts: who an API token belongs to, cohorts and what may join them."""

from django.db.models import Count
from django.utils import timezone

from apps.accounts.models import ApiToken, Cohort, CohortInvite
from apps.accounts.services import token_digest
from apps.cards.access import visible_decks
from apps.cards.selectors import deck_subtree


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


def cohort_decks(cohort: Cohort):
    """The cohort's live decks (the related manager is Deck's, which hides deleted ones)."""
    return cohort.decks.order_by("title", "id")


def cohort_covered_decks(cohort: Cohort) -> list:
    """The cohort's decks and the decks below them that its owner may hand out: what its learners study and its dashboards count.

    A learner studying an assigned parent deck studies its children (``deck_subtree``),
    and their answers and card states are on the children's decks.
    """
    covered = {}
    for deck in cohort.decks.all():
        covered.update((below.pk, below) for below in deck_subtree(deck, open_to=cohort.owner))
    return list(covered.values())


def cohort_assignable_decks(cohort: Cohort):
    """Decks the cohort's owner may hand out (their own and public ones) not assigned to it yet."""
    return visible_decks(cohort.owner).exclude(cohorts=cohort).order_by("title", "id")


def cohort_invites(cohort: Cohort):
    """The cohort's invites, newest first."""
    return cohort.invites.all()


def invite_by_code(code: str) -> CohortInvite | None:
    return CohortInvite.objects.select_related("cohort__owner").filter(code=code.strip().upper()).first()


def cohorts_joined_by(user):
    """The cohorts the user is a member of."""
    return user.cohorts.select_related("owner").order_by("name", "id")
