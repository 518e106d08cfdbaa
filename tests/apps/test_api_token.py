"""POST /api/v1/auth/token: username and password in, bearer token out; every refusal is JSON."""

import pytest
from django.urls import reverse

from apps.accounts.models import ApiToken

TOKEN_URL = "/api/v1/auth/token"


def test_right_password_returns_a_token_that_opens_the_api(client, owner, password, post_json):
    response = post_json(client, TOKEN_URL, {"username": "owner", "password": password})
    assert response.status_code == 201
    token = response.json()["token"]
    decks = client.get(reverse("api:deck_list"), HTTP_AUTHORIZATION=f"Bearer {token}")
    assert decks.status_code == 200
    assert ApiToken.objects.get(user=owner).key_digest != token  # only the digest is stored


def test_wrong_password_is_401_with_a_reason(client, owner, post_json):
    response = post_json(client, TOKEN_URL, {"username": "owner", "password": "not-the-password"})
    assert response.status_code == 401
    assert response.json() == {"error": "invalid username or password"}
    assert not ApiToken.objects.exists()


def test_missing_fields_and_malformed_json_are_400(client, db, post_json):
    assert post_json(client, TOKEN_URL, {"username": "owner"}).status_code == 400
    malformed = post_json(client, TOKEN_URL, "{not json")
    assert malformed.status_code == 400
    assert "not valid JSON" in malformed.json()["error"]
    assert post_json(client, TOKEN_URL, "[1, 2]").json() == {"error": "body must be a JSON object"}


def test_wrong_method_is_405_json(client, db):
    response = client.get(TOKEN_URL)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "not allowed" in response.json()["error"]


def test_no_token_or_an_unknown_token_is_401(client, db):
    assert client.get(reverse("api:deck_list")).status_code == 401
    refused = client.get(reverse("api:deck_list"), HTTP_AUTHORIZATION="Bearer made-up")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"].startswith("Bearer")
    assert "authentication required" in refused.json()["error"]


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing", "/api/v1/", "/api/v2/decks"])
def test_unknown_api_url_is_a_json_404(client, db, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": "not found"}


def test_a_username_with_a_nul_character_is_400_on_every_database(client, owner, password, post_json):
    response = post_json(client, TOKEN_URL, {"username": "own\u0000er", "password": password})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()
