"""Sign-in throttling: after 5 failures the right password is refused too (429), on every way in.

django-axes counts failures per account and address, whether the account is named by
its username or its e-mail address, on the sign-in page (which is also the admin's),
the API's token endpoint and the two-factor step (tests/apps/accounts/test_two_factor.py).
"""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.apps.accounts.conftest import sign_in, signed_in_user_id

pytestmark = pytest.mark.django_db
WRONG = "not-the-password"


def _fail(client: Client, login: str, times: int = settings.AXES_FAILURE_LIMIT) -> None:
    for _ in range(times):
        assert sign_in(client, login, WRONG).status_code in (200, 429)


def _is_lockout_page(response) -> bool:
    return response.status_code == 429 and "too many failed sign-ins" in response.content.decode().lower()


def test_the_right_password_is_refused_after_too_many_wrong_ones(owner, password):
    client = Client()
    _fail(client, "owner")
    response = sign_in(client, "owner", password)
    assert _is_lockout_page(response)
    assert response["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    assert signed_in_user_id(client) is None


def test_username_and_email_count_against_one_lock(owner, password):
    EmailAddress.objects.create(user=owner, email="owner@example.org", primary=True, verified=True)
    client = Client()
    _fail(client, "owner", 2)
    _fail(client, "OWNER@example.org", settings.AXES_FAILURE_LIMIT - 2)
    assert _is_lockout_page(sign_in(client, "owner@example.org", password))
    assert _is_lockout_page(sign_in(client, "Owner", password))
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["owner"]


def test_the_admin_signs_in_through_the_throttled_sign_in_page(admin_user, password):
    admin_user.set_password(password)
    admin_user.save()
    client = Client()
    response = client.get(reverse("admin:login") + "?next=/admin/")
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert client.post(reverse("admin:login"), {"username": admin_user.username, "password": password}).status_code == 302
    assert signed_in_user_id(client) is None  # the admin's own form no longer signs anyone in
    _fail(client, admin_user.username)
    assert _is_lockout_page(sign_in(client, admin_user.username, password, next_url="/admin/"))
    AccessAttempt.objects.all().delete()
    response = sign_in(client, admin_user.username, password, next_url="/admin/")
    assert response.url == "/admin/" and client.get("/admin/").status_code == 200


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
    _fail(client, owner.username)
    assert sign_in(client, other_learner.username, password).status_code == 302
    assert signed_in_user_id(client) == str(other_learner.pk)


def test_the_lock_lifts_after_the_cool_off(owner, password):
    client = Client()
    _fail(client, owner.username)
    assert sign_in(client, owner.username, password).status_code == 429
    attempt = AccessAttempt.objects.get(username=owner.username)
    attempt.attempt_time -= settings.AXES_COOLOFF_TIME + timedelta(seconds=1)
    attempt.save(update_fields=["attempt_time"])
    assert sign_in(client, owner.username, password).status_code == 302
    assert signed_in_user_id(client) == str(owner.pk)


def test_guesses_spread_over_many_addresses_meet_allauths_per_account_limit(owner, password):
    """axes locks an account per address; allauth's limit per account holds whatever the address."""
    per_account = int(settings.ACCOUNT_RATE_LIMITS["login_failed"].split(",")[1].split("/")[0])
    for attempt in range(per_account):
        sign_in(Client(REMOTE_ADDR=f"10.0.{attempt}.1"), "owner", WRONG)
    response = sign_in(Client(REMOTE_ADDR="10.9.9.9"), "owner", password)
    assert response.status_code == 200 and "Too many failed login attempts" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
