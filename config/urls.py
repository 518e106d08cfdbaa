"""URL routes: the web pages, the JSON API under /api/v1/ and the admin."""

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from apps.accounts.api_auth import api_not_found
from config.health import healthz

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="cards:deck_list"), name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/", include("apps.accounts.urls")),
    path("cohorts/", include("apps.accounts.cohort_urls")),
    path("decks/", include("apps.cards.urls")),
    path("study/", include("apps.study.urls")),
    path("experiments/", include("apps.experiments.urls")),
    path("dashboards/", include("apps.dashboards.urls")),
    path("api/v1/", include("config.api_urls")),
    re_path(r"^api/", api_not_found),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
