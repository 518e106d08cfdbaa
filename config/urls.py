"""URL routes: the web pages, the JSON API under /api/v1/ (schema at openapi.json, docs at docs) and the admin."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import urls as auth_urls
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from config.api import api
from config.errors import api_not_found
from config.health import healthz

PASSWORD_RESET_URL_NAMES = {"password_reset", "password_reset_done", "password_reset_confirm", "password_reset_complete"}
# Password reset by e-mail exists only where Mnemo can send e-mail (settings.MNEMO_PASSWORD_RESET).
account_urls = [pattern for pattern in auth_urls.urlpatterns if settings.MNEMO_PASSWORD_RESET or pattern.name not in PASSWORD_RESET_URL_NAMES]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="cards:deck_list"), name="home"),
    path("accounts/", include(account_urls)),
    path("accounts/", include("apps.accounts.urls")),
    path("accounts/research-consent/", include("apps.research.consent_urls")),
    path("cohorts/", include("apps.accounts.cohort_urls")),
    path("decks/", include("apps.cards.urls")),
    path("study/", include("apps.study.urls")),
    path("experiments/", include("apps.experiments.urls")),
    path("research/", include("apps.research.urls")),
    path("dashboards/", include("apps.dashboards.urls")),
    path("api/v1/", api.urls),
    re_path(r"^api/", api_not_found),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
