"""Two-factor sign-in (allauth.mfa) as Mnemo uses it: throttled like a password, and required of staff by setting.

A wrong code at sign-in counts as a failed sign-in for django-axes (the same lock as a
wrong password: ``MNEMO_LOGIN_FAILURE_LIMIT`` failures for one account from one address),
and while that lock holds no code is even checked. allauth's own per-account rate limit
(``ACCOUNT_RATE_LIMITS["login_failed"]``) bounds guesses spread over many addresses.

With ``MNEMO_STAFF_REQUIRE_2FA`` on, a staff account without an authenticator app is sent
to set one up before it reaches any other page, the admin included.
"""

from allauth.core import context
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authentication_failed
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.shortcuts import redirect

from apps.accounts.selectors import has_totp

# The pages a staff member without TOTP may still open: setting it up (with the
# re-authentication it may ask for), the recovery codes it hands out, and signing out.
PAGES_BEFORE_ENROLMENT = {
    "mfa_activate_totp", "mfa_index", "mfa_reauthenticate", "account_reauthenticate",
    "mfa_view_recovery_codes", "mfa_download_recovery_codes", "login", "logout", "account_login", "account_logout",
}
ENROLMENT_REQUIRED = "Staff accounts sign in with two factors: set up an authenticator app to continue."


def _credentials_of(user) -> dict:
    return {"username": user.get_username()}


def refuse_code_while_locked_out(user) -> None:
    """Raise (and mark the request for axes' lockout page) when the account is locked out from this address."""
    request = context.request
    if AxesProxyHandler.is_locked(request, _credentials_of(user)):
        request.axes_locked_out = True
        request.axes_credentials = _credentials_of(user)
        raise ValidationError("Too many failed sign-ins for this account from your address.")


@receiver(authentication_failed, sender=Authenticator)
def count_wrong_code_as_failed_sign_in(sender, request, user, reauthentication=False, **kwargs) -> None:
    """A wrong code at sign-in is a failed sign-in for axes; re-entering a code later, while signed in, is not."""
    if not reauthentication:
        user_login_failed.send(sender=__name__, credentials=_credentials_of(user), request=request)


class StaffTwoFactorMiddleware:
    """Sends staff without TOTP to its set-up page while ``MNEMO_STAFF_REQUIRE_2FA`` is on."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not (settings.MNEMO_STAFF_REQUIRE_2FA and user.is_authenticated and user.is_staff):
            return None
        if request.resolver_match.url_name in PAGES_BEFORE_ENROLMENT or has_totp(user):
            return None
        messages.warning(request, ENROLMENT_REQUIRED)
        return redirect("mfa_activate_totp")
