"""What schemathesis found where the API and its served schema disagreed, each fixed."""

import uuid

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ANSWERS_URL = "/api/v1/answers"


def test_an_answer_with_whole_numbers_written_as_floats_is_stored(owner, private_deck, api_client_for, post_json):
    """The schema says ``integer``, which JSON Schema fills with 1138.0 as well as 1138; the API refused it with 400."""
    api = api_client_for(owner)
    shown = api.get(reverse("api:next_card", kwargs={"deck_uuid": private_deck.uuid})).json()
    answer = {"log_uuid": str(uuid.uuid4()), "card": shown["card"]["id"], "grade": 3.0, "response_ms": 1138.0, "shown_id": shown["shown_id"]}
    stored = post_json(api, ANSWERS_URL, answer)
    assert stored.status_code == 201, stored.content
    assert (stored.json()["log"]["grade"], stored.json()["log"]["response_ms"]) == (3, 1138)
    for wrong in ({"grade": 3.5}, {"grade": True}, {"grade": "3"}, {"response_ms": "1138"}):
        refused = post_json(api, ANSWERS_URL, {**answer, "log_uuid": str(uuid.uuid4()), **wrong})
        assert refused.status_code == 400 and refused.json()["error"], wrong


def test_the_schema_says_which_page_numbers_exist_and_a_page_past_the_last_is_not_found(client, owner, api_client_for):
    """The schema allowed any string for ``page`` and a valid number past the last page was a 400; it is now a 404."""
    page = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/decks"]["get"]["parameters"][0]
    assert page["name"] == "page" and page["schema"]["pattern"] == "^[1-9][0-9]*$"
    response = api_client_for(owner).get(reverse("api:deck_list"), {"page": "7"})
    assert response.status_code == 404 and "past the last page" in response.json()["error"]
