"""What a sign-in refused by the throttle (django-axes) gets: JSON for the API, a page for people; both 429."""

from django.conf import settings
from django.shortcuts import render

from apps.accounts.api_auth import json_error


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
