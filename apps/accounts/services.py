"""Writes for accounts: learner settings, API tokens, role membership."""

import hashlib
import secrets

from django.contrib.auth.models import Group
from django.utils import timezone

from apps.accounts.models import ApiToken, LearnerSettings
from apps.accounts.roles import ALL_ROLES


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
    """Issue a new API token and return the raw key (shown once; only its digest is stored)."""
    raw_key = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_digest=token_digest(raw_key))
    return raw_key


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
