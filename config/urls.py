"""URL routes: the web pages, the JSON API under /api/v1/ (schema at openapi.json, docs at docs) and the admin."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from config.api import api
from config.errors import api_not_found
from config.health import healthz

# The admin signs people in through the sign-in page, so its sign-in has the same
# throttling and two-factor step as everyone else's.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="cards:deck_list"), name="home"),
    path("accounts/", include("apps.accounts.sign_in_urls")),
    path("accounts/", include("apps.accounts.urls")),
    path("accounts/research-consent/", include("apps.research.consent_urls")),
    path("accounts/your-data/", include("apps.privacy.urls")),
    path("cohorts/", include("apps.cards.cohort_urls")),
    path("decks/", include("apps.cards.urls")),
    path("decks/", include("apps.deck_io.urls")),
    path("browse/", include("apps.browser.urls")),
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
