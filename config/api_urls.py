"""The JSON API, version 1 (mounted at /api/v1/)."""

from django.urls import path, re_path

from apps.accounts import api as accounts_api
from apps.accounts.api_auth import api_not_found
from apps.cards import api as cards_api
from apps.study import api as study_api

app_name = "api"

urlpatterns = [
    path("auth/token", accounts_api.token_create, name="token_create"),
    path("decks", cards_api.deck_list, name="deck_list"),
    path("decks/<uuid:deck_uuid>/next", study_api.next_card, name="next_card"),
    path("answers", study_api.answer_create, name="answer_create"),
    re_path(r"^.*$", api_not_found, name="not_found"),
]
