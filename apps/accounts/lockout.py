"""The throttle's (django-axes) view of a sign-in: which account it counts against, and what a refused one gets.

A refused sign-in gets JSON from the API and a page elsewhere, both 429.
"""

from allauth.account.utils import filter_users_by_email, filter_users_by_username
from django.conf import settings
from django.shortcuts import render

from apps.accounts.api_auth import json_error


def account_of_credentials(request, credentials: dict | None) -> str:
    """The username of the account a sign-in names, so that typing its username or its e-mail address (in any case)
    counts against one lock; a name that matches no single account counts as typed, lower-cased."""
    login = ((credentials or {}).get("username") or (credentials or {}).get("email") or "").strip()
    matches = list(filter_users_by_email(login)) if "@" in login else []
    if not matches and login:
        matches = [user for user in filter_users_by_username(login) if user.get_username().lower() == login.lower()]
    return matches[0].get_username() if len(matches) == 1 else login.lower()


def _minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_response(request, original_response=None, credentials=None):
    reason = f"too many failed sign-ins for this account from your address; try again in {_minutes()} minutes"
    if request.path.startswith("/api/"):
        response = json_error(reason, status=429)
    else:
        response = render(request, "registration/locked_out.html", {"minutes": _minutes()}, status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
