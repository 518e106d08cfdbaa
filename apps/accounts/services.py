"""Writes for accounts: learner settings, API tokens, role membership, cohorts."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import ApiToken, Cohort, CohortDeparture, CohortInvite, LearnerSettings
from apps.accounts.roles import ALL_ROLES, LEARNER, has_role, may_own_cohorts


def token_digest(raw_key: str) -> str:
    """SHA-256 of a raw API key: what the database stores and looks up."""
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def learner_settings_get_or_create(*, user) -> LearnerSettings:
    """The learner's settings, created with the defaults on first use (cached on the user object)."""
    try:
        return user.learner_settings
    except LearnerSettings.DoesNotExist:
        learner_settings, _ = LearnerSettings.objects.get_or_create(user=user)
        user.learner_settings = learner_settings
        return learner_settings


def api_token_create(*, user) -> str:
    """Issue a new API token, valid for MNEMO_API_TOKEN_DAYS, and return the raw key (shown once; only its digest is stored)."""
    raw_key = secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(days=settings.MNEMO_API_TOKEN_DAYS)
    ApiToken.objects.create(user=user, key_digest=token_digest(raw_key), expires_at=expires_at)
    return raw_key


def api_token_revoke(*, token: ApiToken) -> None:
    """The token stops working at once (it is deleted)."""
    token.delete()


def api_token_touch(*, token: ApiToken) -> None:
    """Record that the token was used (at most once a minute, to keep requests cheap)."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def user_role_add(*, user, role: str) -> None:
    """Put the user in a role group (learner, instructor, researcher), creating the group if missing."""
    if role not in ALL_ROLES:
        raise ValueError(f"unknown role {role!r}; roles are {', '.join(ALL_ROLES)}")
    group, _ = Group.objects.get_or_create(name=role)
    user.groups.add(group)


class CohortInvalid(ValueError):
    """A cohort change refused, with the reason in words for the page or the command."""


def cohort_create(*, owner, name: str) -> Cohort:
    if not may_own_cohorts(owner):
        raise CohortInvalid(f"{owner} is neither an instructor nor staff allowed to add cohorts, so may not own a cohort")
    if not name.strip():
        raise CohortInvalid("a cohort needs a name")
    return Cohort.objects.create(owner=owner, name=name.strip())


def cohort_add_learner(*, cohort: Cohort, learner) -> None:
    """Add a learner (a user with the learner role); adding a member again changes nothing. One who had left is no longer listed as gone."""
    if not has_role(learner, LEARNER):
        raise CohortInvalid(f"{learner} is not a learner")
    with transaction.atomic():
        cohort.members.add(learner)
        CohortDeparture.objects.filter(cohort=cohort, learner=learner).delete()


def cohort_remove_learner(
    *, cohort: Cohort, learner, reason: str = CohortDeparture.Reason.REMOVED, now=None
) -> None:
    """Take a member out of the cohort, recording the departure for its instructor; their study logs stay, but no
    longer train the cohort's models. Removing someone who is not a member changes nothing."""
    with transaction.atomic():
        if not cohort.members.filter(pk=learner.pk).exists():
            return
        cohort.members.remove(learner)
        CohortDeparture.objects.create(cohort=cohort, learner=learner, reason=reason, left_at=now or timezone.now())


def cohorts_leave_for_account_deletion(*, learner, now=None) -> list[Cohort]:
    """Take the learner out of every cohort as their account's deletion begins; the cohorts they left."""
    cohorts = list(learner.cohorts.all())
    for cohort in cohorts:
        cohort_remove_learner(cohort=cohort, learner=learner, reason=CohortDeparture.Reason.ACCOUNT_DELETED, now=now)
    return cohorts


def cohorts_rejoin_after_cancelled_deletion(*, learner) -> list[Cohort]:
    """Put the learner back into the cohorts their account's deletion took them out of; those cohorts."""
    departures = CohortDeparture.objects.filter(learner=learner, reason=CohortDeparture.Reason.ACCOUNT_DELETED).select_related("cohort")
    cohorts = [departure.cohort for departure in departures]
    for cohort in cohorts:
        cohort.members.add(learner)
    departures.delete()
    return cohorts


MAX_INVITE_DAYS = 365
MAX_INVITE_USES = 1000


def cohort_invite_create(*, cohort: Cohort, valid_days: int, max_uses: int, now=None) -> CohortInvite:
    """A new join code for the cohort, valid for ``valid_days`` days and ``max_uses`` joins."""
    if not 1 <= valid_days <= MAX_INVITE_DAYS:
        raise CohortInvalid(f"an invite is valid for 1 to {MAX_INVITE_DAYS} days")
    if not 1 <= max_uses <= MAX_INVITE_USES:
        raise CohortInvalid(f"an invite allows 1 to {MAX_INVITE_USES} joins")
    now = now or timezone.now()
    return CohortInvite.objects.create(cohort=cohort, expires_at=now + timedelta(days=valid_days), max_uses=max_uses)


def cohort_invite_revoke(*, invite: CohortInvite, now=None) -> None:
    """Stop the invite from working (again changes nothing); those who joined with it stay members."""
    CohortInvite.objects.filter(pk=invite.pk, revoked_at__isnull=True).update(revoked_at=now or timezone.now())


@transaction.atomic
def cohort_join(*, learner, code: str, now=None) -> Cohort:
    """The learner joins the invite's cohort; a member using it again changes nothing and costs no use.

    The invite row is locked, so two learners joining at once cannot both take its last use.
    """
    invite = CohortInvite.objects.select_for_update().select_related("cohort").filter(code=code.strip().upper()).first()
    if invite is None:
        raise CohortInvalid("No invite has this code.")
    if invite.cohort.members.filter(pk=learner.pk).exists():
        return invite.cohort
    refusal = invite.refusal(now or timezone.now())
    if refusal is not None:
        raise CohortInvalid(refusal)
    cohort_add_learner(cohort=invite.cohort, learner=learner)
    CohortInvite.objects.filter(pk=invite.pk).update(uses=invite.uses + 1)
    return invite.cohort


def cohort_leave(*, cohort: Cohort, learner) -> None:
    """The learner leaves the cohort (as if the owner removed them, but recorded as their own choice)."""
    cohort_remove_learner(cohort=cohort, learner=learner, reason=CohortDeparture.Reason.LEFT)
