"""Signing in while one's account waits to be deleted: the full sign-in, then only the page that offers to keep it.

A switched-off account (``is_active`` false) normally ends allauth's sign-in at the
"account inactive" page. For one whose deletion is pending, the password (and then the
two-factor code, as always) is checked as usual; instead of signing in, the person is
remembered in the session for a few minutes and sent to ``privacy:deletion_pending``,
where they keep their account (which signs them in) or leave it to be deleted.
"""

import time

from allauth.core.exceptions import ImmediateHttpResponse
from django.shortcuts import redirect

from apps.accounts.adapter import MnemoAccountAdapter
from apps.privacy.erasure import DELETION_SIGN_IN_SESSION_KEY
from apps.privacy.selectors import deletion_pending

DELETION_SIGN_IN_SECONDS = 600


class AccountAdapter(MnemoAccountAdapter):
    def pre_login(self, request, user, **kwargs):
        if not user.is_active and deletion_pending(user) is not None:
            return None  # on to the second factor; login() then leads to the deletion page
        return super().pre_login(request, user, **kwargs)

    def login(self, request, user) -> None:
        if not user.is_active and deletion_pending(user) is not None:
            request.session[DELETION_SIGN_IN_SESSION_KEY] = {"user": user.pk, "at": time.time()}
            raise ImmediateHttpResponse(redirect("privacy:deletion_pending"))
        super().login(request, user)


def deletion_sign_in_user_id(request) -> int | None:
    """The account whose owner proved who they are (password and second factor) in the last few minutes, if any."""
    remembered = request.session.get(DELETION_SIGN_IN_SESSION_KEY) or {}
    if time.time() - remembered.get("at", 0) > DELETION_SIGN_IN_SECONDS:
        return None
    return remembered.get("user")


def deletion_sign_in_forget(request) -> None:
    request.session.pop(DELETION_SIGN_IN_SESSION_KEY, None)
