"""What the account tests share: signing up and in through the pages, a mail server, a cohort with an invite."""

import re
import time

import pyotp
import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from apps.accounts.services import cohort_create, cohort_invite_create
from apps.cards.cohort_decks import cohort_assign_deck
from config.settings import mail_dependent_account_settings

NEW_PASSWORD = "violet-harbour-41-quill"
TOTP_CODE_LIFE_SECONDS = 10


def totp_code(secret: str) -> str:
    """The authenticator app's code now, from a period with at least ``TOTP_CODE_LIFE_SECONDS`` left.

    Mnemo accepts only the current 30-second period's code (allauth's default), so a code
    read in the last second of its period could be refused by the time a loaded machine
    has carried the request that sends it; waiting for the next period keeps it valid.
    """
    totp = pyotp.TOTP(secret)
    left = totp.interval - time.time() % totp.interval
    if left < TOTP_CODE_LIFE_SECONDS:
        time.sleep(left + 0.05)
    return totp.now()


@pytest.fixture
def mail_server(settings):
    """Mnemo as configured with EMAIL_HOST set; mail goes to Django's locmem outbox (``mail.outbox``)."""
    for name, value in mail_dependent_account_settings("smtp.example.org").items():
        setattr(settings, name, value)
    return mail.outbox


def sign_up(client: Client, username: str, *, email: str = "", password: str = NEW_PASSWORD, next_url: str = "", **extra):
    data = {"username": username, "email": email, "password1": password, "password2": password, **extra}
    url = reverse("account_signup") + (f"?next={next_url}" if next_url else "")
    return client.post(url, data)


def sign_in(client: Client, login: str, password: str, *, next_url: str = ""):
    url = reverse("login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"login": login, "password": password})


def signed_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def link_in(message) -> str:
    """The path of the first link to this site in a mail's text."""
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


@pytest.fixture
def cohort(instructor, public_deck):
    cohort = cohort_create(owner=instructor, name="Evening Spanish")
    cohort_assign_deck(cohort=cohort, deck=public_deck)
    return cohort


@pytest.fixture
def invite(cohort):
    return cohort_invite_create(cohort=cohort, valid_days=7, max_uses=30)
