"""Sign-up, sign-in and password reset cannot be used to find out which e-mail addresses have an account.

Usernames are public handles (instructors see them): sign-up says a username is taken,
and sign-up is rate limited per address, so names cannot be tried in bulk.
"""

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.apps.accounts.conftest import sign_in, sign_up, signed_in_user_id

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def taken_address(owner):
    EmailAddress.objects.create(user=owner, email="owner@example.org", primary=True, verified=True)
    return "owner@example.org"


def _outcome(response) -> tuple:
    return response.status_code, response.get("Location"), "already" in response.content.decode().lower()


def test_with_mail_sign_up_answers_the_same_for_a_taken_address_and_mails_its_owner(taken_address, mail_server):
    fresh = sign_up(Client(), "newcomer", email="newcomer@example.org")
    taken = sign_up(Client(), "prober", email=taken_address.upper())
    assert _outcome(taken) == _outcome(fresh) == (302, reverse("account_email_verification_sent"), False)
    assert not User.objects.filter(username="prober").exists()
    to_owner = [message for message in mail_server if message.to == [taken_address]]
    assert len(to_owner) == 1 and "already" in to_owner[0].body.lower()


def test_without_mail_a_taken_address_is_accepted_like_any_other(taken_address):
    fresh, taken = Client(), Client()
    fresh_response = sign_up(fresh, "newcomer", email="newcomer@example.org")
    taken_response = sign_up(taken, "prober", email=taken_address)
    assert _outcome(taken_response) == _outcome(fresh_response) == (302, reverse("cards:deck_list"), False)
    assert signed_in_user_id(taken) == str(User.objects.get(username="prober").pk)


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(taken_address, mail_server):
    known = Client().post(reverse("account_reset_password"), {"email": taken_address})
    unknown = Client().post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert _outcome(known) == _outcome(unknown) == (302, reverse("account_reset_password_done"), False)


def test_sign_in_answers_the_same_for_an_unknown_address_and_a_wrong_password(taken_address):
    wrong_password = sign_in(Client(), taken_address, "not-the-password").content.decode()
    unknown = sign_in(Client(), "nobody@example.org", "not-the-password").content.decode()
    message = "The email address and/or password you specified are not correct."
    assert message in wrong_password and message in unknown


def test_sign_up_is_rate_limited_per_address(owner):
    """The configured per-minute limit of sign-up attempts from one address, then 429: usernames cannot be tried in bulk."""
    per_minute = int(settings.ACCOUNT_RATE_LIMITS["signup"].split("/")[0])
    client = Client()
    for attempt in range(per_minute):
        assert sign_up(client, "owner", email=f"probe{attempt}@example.org").status_code == 200
    assert sign_up(client, "owner", email="one-more@example.org").status_code == 429
    assert sign_up(Client(REMOTE_ADDR="10.1.2.3"), "someone", email="someone@example.org").status_code == 302
