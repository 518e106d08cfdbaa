"""Every API error is JSON with a reason: oversized and deeply nested bodies, bad hosts, crashes; never an HTML page."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from apps.cards import api as cards_api

ENDPOINTS = ["api:answer_create", "api:token_create"]


def _assert_json_error(response, status: int, reason: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert reason in response.json()["error"]


@pytest.mark.parametrize("url_name", ENDPOINTS)
def test_a_body_over_the_limit_is_413(owner, api_client_for, post_json, url_name):
    body = '{"padding": "' + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + '"}'
    _assert_json_error(post_json(api_client_for(owner), reverse(url_name), body), 413, "larger than")


@pytest.mark.parametrize("url_name", ENDPOINTS)
def test_a_deeply_nested_body_is_400(owner, api_client_for, post_json, url_name):
    _assert_json_error(post_json(api_client_for(owner), reverse(url_name), "[" * 100_000 + "]" * 100_000), 400, "nested too deeply")


def test_a_host_outside_allowed_hosts_gets_json_400(db):
    _assert_json_error(Client().get(reverse("api:deck_list"), HTTP_HOST="evil.example"), 400, "bad request")


def test_an_unexpected_failure_is_a_json_500(owner, api_client_for, monkeypatch):
    def broken_selector(user):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(cards_api, "deck_list_for", broken_selector)
    client = api_client_for(owner)
    client.raise_request_exception = False
    _assert_json_error(client.get(reverse("api:deck_list")), 500, "internal server error")
