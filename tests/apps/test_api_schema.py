"""The API's OpenAPI 3 schema is served, is valid, and describes what the endpoints really answer."""

import uuid
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from apps.study.models import CardState, ShownCard

SCHEMA_URL = "/api/v1/openapi.json"
TOKEN_URL = "/api/v1/auth/token"
ANSWERS_URL = "/api/v1/answers"


@pytest.fixture
def spec(client, db) -> dict:
    response = client.get(SCHEMA_URL)
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def conforms(spec):
    """conforms(method, path, response): the body matches the schema the spec documents for that status."""

    def check(method: str, path: str, response) -> None:
        documented = spec["paths"][path][method]["responses"]
        assert str(response.status_code) in documented, f"{method} {path} answered {response.status_code}, not documented"
        schema = documented[str(response.status_code)]["content"]["application/json"]["schema"]
        OAS31Validator({**schema, "components": spec["components"]}).validate(response.json())

    return check


def test_the_served_schema_is_valid_openapi_3_and_names_every_endpoint(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {"/api/v1/auth/token", "/api/v1/decks", "/api/v1/decks/{deck_uuid}/next", "/api/v1/answers"}
    assert spec["components"]["securitySchemes"]["BearerToken"] == {"type": "http", "scheme": "bearer"}
    operations = [operation for methods in spec["paths"].values() for operation in methods.values()]
    secured = {operation["operationId"] for operation in operations if operation.get("security") == [{"BearerToken": []}]}
    assert secured == {"deck_list", "next_card", "answer_create"}
    assert all(operation["description"] for operation in operations)


def test_the_answer_body_documents_its_limits(spec):
    answer = spec["components"]["schemas"]["AnswerIn"]
    assert (answer["properties"]["grade"]["minimum"], answer["properties"]["grade"]["maximum"]) == (1, 4)
    assert answer["properties"]["response_ms"]["maximum"] == 24 * 3600 * 1000
    assert set(answer["required"]) == {"log_uuid", "card", "grade", "response_ms"}


def test_a_study_through_the_api_answers_as_the_schema_says(client, owner, password, private_deck, post_json, conforms):
    issued = post_json(client, TOKEN_URL, {"username": "owner", "password": password})
    conforms("post", "/api/v1/auth/token", issued)
    conforms("post", "/api/v1/auth/token", post_json(client, TOKEN_URL, {"username": "owner", "password": "wrong"}))
    conforms("post", "/api/v1/auth/token", post_json(client, TOKEN_URL, {"username": "owner"}))
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issued.json()['token']}"}
    conforms("get", "/api/v1/decks", client.get(reverse("api:deck_list"), **auth))
    conforms("get", "/api/v1/decks", client.get(reverse("api:deck_list"), {"page": "0"}, **auth))
    conforms("get", "/api/v1/decks", client.get(reverse("api:deck_list")))
    next_path = "/api/v1/decks/{deck_uuid}/next"
    conforms("get", next_path, client.get(reverse("api:next_card", kwargs={"deck_uuid": uuid.uuid4()}), **auth))
    for _ in range(private_deck.cards.count()):
        shown = client.get(reverse("api:next_card", kwargs={"deck_uuid": private_deck.uuid}), **auth)
        conforms("get", next_path, shown)
        # Easy: out of the learning steps, so the deck is finished once every card is answered
        answer = {"log_uuid": str(uuid.uuid4()), "card": shown.json()["card"]["id"], "grade": 4, "response_ms": 900, "shown_id": shown.json()["shown_id"]}
        stored = client.post(ANSWERS_URL, answer, content_type="application/json", **auth)
        assert stored.status_code == 201
        conforms("post", "/api/v1/answers", stored)
        again = client.post(ANSWERS_URL, answer, content_type="application/json", **auth)
        assert again.status_code == 200
        conforms("post", "/api/v1/answers", again)
    finished = client.get(reverse("api:next_card", kwargs={"deck_uuid": private_deck.uuid}), **auth)
    assert finished.json()["card"] is None
    conforms("get", next_path, finished)
    refused = client.post(ANSWERS_URL, {"grade": 9}, content_type="application/json", **auth)
    conforms("post", "/api/v1/answers", refused)


def test_the_next_card_says_what_chose_it_and_each_grades_interval_as_the_study_page_does(
    owner, private_deck, api_client_for, post_json, conforms
):
    shown = api_client_for(owner).get(reverse("api:next_card", kwargs={"deck_uuid": private_deck.uuid}))
    conforms("get", "/api/v1/decks/{deck_uuid}/next", shown)
    body = shown.json()
    assert body["chosen_by"] == ShownCard.objects.get(uuid=body["shown_id"]).chosen_by
    assert body["chosen_by"].startswith("FSRS due order")
    intervals = body["intervals"]
    assert (intervals["1"], intervals["2"], intervals["3"]) == ("1m", "6m", "10m")  # the Default preset's steps
    assert intervals["4"].endswith("d")  # Easy: out of the steps, days away
    shown_at = datetime.fromisoformat(body["shown_at"])
    due = {grade: datetime.fromisoformat(moment) for grade, moment in body["due_at_by_grade"].items()}
    assert set(due) == {"1", "2", "3", "4"}
    assert abs((due["3"] - shown_at) - timedelta(minutes=10)) < timedelta(seconds=5)

    stored = post_json(api_client_for(owner), ANSWERS_URL, {
        "log_uuid": str(uuid.uuid4()), "card": body["card"]["id"], "grade": 4, "response_ms": 900, "shown_id": body["shown_id"],
    })
    stored_due = CardState.objects.get(learner=owner).due_at
    assert abs(stored_due - due["4"]) < timedelta(seconds=5)  # what the answer stores is what the API said (answered moments later)
    following = stored.json()["next"]
    assert following["intervals"]["4"] and following["chosen_by"]


def test_the_docs_page_serves_swagger_ui_from_mnemos_own_static_files(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "/static/ninja/swagger-ui.css" in html
    assert "cdn" not in html.lower()
    assert "script-src 'self'" in response["Content-Security-Policy"]
