"""Sign-up, sign-in, e-mail address, password and two-factor pages (django-allauth), mounted at /accounts/.

``login`` and ``logout`` are the names the rest of Mnemo uses (LOGIN_URL, the menu) for
allauth's sign-in and sign-out pages. Password reset answers 404 unless Mnemo can send
e-mail (settings.MNEMO_PASSWORD_RESET): without a mail server its links could never arrive.
"""

from functools import wraps

from allauth.account import urls as allauth_account_urls
from allauth.account import views as allauth_account_views
from django.conf import settings
from django.http import Http404
from django.urls import URLPattern, include, path

PASSWORD_RESET_URL_NAMES = {
    "account_reset_password", "account_reset_password_done",
    "account_reset_password_from_key", "account_reset_password_from_key_done",
}


def only_with_mail(view):
    @wraps(view)
    def view_if_mail_is_sent(request, *args, **kwargs):
        if not settings.MNEMO_PASSWORD_RESET:
            raise Http404("Password reset needs a mail server")
        return view(request, *args, **kwargs)

    return view_if_mail_is_sent


def _gated(pattern: URLPattern) -> URLPattern:
    if pattern.name not in PASSWORD_RESET_URL_NAMES:
        return pattern
    return URLPattern(pattern.pattern, only_with_mail(pattern.callback), pattern.default_args, pattern.name)


urlpatterns = [
    path("login/", allauth_account_views.login, name="login"),
    path("logout/", allauth_account_views.logout, name="logout"),
    *(_gated(pattern) for pattern in allauth_account_urls.urlpatterns),
    path("2fa/", include("allauth.mfa.urls")),
]
