"""Sign-in throttling: after 5 wrong passwords the right one is refused too (429), on every sign-in door."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

WRONG = "not-the-password"


def _web_sign_in(client: Client, url: str, username: str, password: str):
    return client.post(url, {"username": username, "password": password})


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("url_name", ["login", "admin:login"])
def test_the_right_password_is_refused_after_too_many_wrong_ones(admin_user, password, url_name):
    admin_user.set_password(password)
    admin_user.save()
    client, url = Client(), reverse(url_name)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _web_sign_in(client, url, admin_user.username, WRONG)
    response = _web_sign_in(client, url, admin_user.username, password)
    assert response.status_code == 429
    assert "too many failed sign-ins" in response.content.decode().lower()
    assert not _signed_in(client)


def test_the_api_token_endpoint_is_throttled_with_a_json_429(owner, password, post_json):
    client, url = Client(), reverse("api:token_create")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert post_json(client, url, {"username": "owner", "password": WRONG}).status_code in (401, 429)
    response = post_json(client, url, {"username": "owner", "password": password})
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert "too many failed sign-ins" in response.json()["error"]
    assert response["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))


def test_another_account_from_the_same_address_still_signs_in(owner, other_learner, password):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _web_sign_in(client, reverse("login"), owner.username, WRONG)
    assert _web_sign_in(client, reverse("login"), other_learner.username, password).status_code == 302
    assert _signed_in(client)


def test_the_lock_lifts_after_the_cool_off(owner, password):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _web_sign_in(client, reverse("login"), owner.username, WRONG)
    assert _web_sign_in(client, reverse("login"), owner.username, password).status_code == 429
    attempt = AccessAttempt.objects.get(username=owner.username)
    attempt.attempt_time -= settings.AXES_COOLOFF_TIME + timedelta(seconds=1)
    attempt.save(update_fields=["attempt_time"])
    assert _web_sign_in(client, reverse("login"), owner.username, password).status_code == 302
    assert _signed_in(client)
