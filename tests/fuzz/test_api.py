"""Schemathesis over the OpenAPI schema the app serves: every generated request gets a documented 4xx with a reason or a correct result.

The requests go through Django's WSGI application in this process, against the test
database. The learner's token is sent with every request; an answer's ``card`` is
pointed at a card of the learner's deck and ``next``'s ``deck_uuid`` at that deck,
so the fuzzer reaches the paths that write (random ids would only meet 404s, which
tests/apps/test_api_errors.py covers). Beside the schema's own checks (no 5xx,
documented statuses, content types and bodies), a request that was refused must have
written nothing, and an answer stored must be stored once.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import settings

from apps.accounts.services import api_token_create
from apps.cards.models import Deck
from apps.cards.services import card_create, deck_create
from apps.study.models import ShownCard, StudyLog
from config.wsgi import application

SCHEMA_URL = "/api/v1/openapi.json"


@pytest.fixture
def studying(make_user, settings):
    """(learner's token, deck, its card ids): a learner with a private deck of five cards."""
    settings.MNEMO_EMBED_CARDS_ON_SAVE = False
    learner = make_user("fuzzed-learner")
    deck = deck_create(owner=learner, title="Fuzzed", visibility=Deck.Visibility.PRIVATE)
    cards = [card_create(deck=deck, front=f"q{index}", back=f"a{index}", tags=[]).pk for index in range(5)]
    return api_token_create(user=learner), deck, cards


@pytest.fixture
def api_schema(studying):
    """The schema as the app serves it, the learner's token as its bearer auth (schemathesis also tries without it).

    As in Django's test client, a request does not close the test's database connection.
    """
    token = studying[0]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        served = schemathesis.openapi.from_wsgi(SCHEMA_URL, application)

        @served.auth()
        class LearnerToken:
            def get(self, case, context):
                return token

            def set(self, case, data, context):
                case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

        yield served
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


def _written() -> tuple[int, int]:
    return StudyLog.objects.count(), ShownCard.objects.count()


@schema.parametrize()
@settings()
def test_every_generated_request_is_answered_with_a_reason_or_a_correct_result(case, studying):
    _, deck, cards = studying
    if "deck_uuid" in (case.path_parameters or {}):
        case.path_parameters["deck_uuid"] = str(deck.uuid)
    if isinstance(case.body, dict) and isinstance(case.body.get("card"), int):
        case.body["card"] = cards[case.body["card"] % len(cards)]
    logs_before, shown_before = _written()
    response = case.call()
    case.validate_response(response)
    logs_after, shown_after = _written()
    if response.status_code >= 400:
        assert response.json()["error"], response.text
        assert (logs_after, shown_after) == (logs_before, shown_before), f"a refused request wrote rows: {response.text}"
    if case.operation.path == "/api/v1/answers" and response.status_code == 201:
        assert logs_after == logs_before + 1
