"""Shared personas and data for the Django tests.

Personas: ``owner`` (a learner who owns a private deck and has studied it),
``other_learner`` and ``instructor`` (an instructor who does not own the deck):
the last two are strangers to the owner's private deck and study history.
"""

import json
import secrets

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from apps.accounts import roles
from apps.accounts.services import api_token_create, user_role_add
from apps.cards.models import Deck
from apps.cards.services import card_create, deck_create


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests create many users: a fast hasher keeps them quick (production keeps PBKDF2)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def password() -> str:
    return secrets.token_urlsafe(16)


@pytest.fixture
def make_user(db, password):
    def make(username: str, role: str = roles.LEARNER):
        user = get_user_model().objects.create_user(username=username, password=password)
        user_role_add(user=user, role=role)
        return user

    return make


@pytest.fixture
def owner(make_user):
    return make_user("owner")


@pytest.fixture
def other_learner(make_user):
    return make_user("other-learner")


@pytest.fixture
def instructor(make_user):
    return make_user("instructor", roles.INSTRUCTOR)


def _deck_with_cards(owner, *, title: str, visibility: str, count: int) -> Deck:
    deck = deck_create(owner=owner, title=title, visibility=visibility)
    for index in range(count):
        card_create(deck=deck, front=f"{title} question {index}", back=f"answer {index}", tags=["demo", f"group-{index % 3}"])
    return deck


@pytest.fixture
def private_deck(owner) -> Deck:
    return _deck_with_cards(owner, title="Owner's private deck", visibility=Deck.Visibility.PRIVATE, count=12)


@pytest.fixture
def public_deck(instructor) -> Deck:
    return _deck_with_cards(instructor, title="Instructor's public deck", visibility=Deck.Visibility.PUBLIC, count=6)


@pytest.fixture
def web_client_for():
    """A browser-like client signed in as the given user."""

    def client_for(user, **client_options) -> Client:
        client = Client(**client_options)
        client.force_login(user)
        return client

    return client_for


@pytest.fixture
def api_client_for():
    """A client that sends the given user's bearer token with every request."""

    def client_for(user) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}")

    return client_for


@pytest.fixture
def post_json():
    """POST a JSON body (a dict, or raw text for malformed-body tests)."""

    def post(client: Client, url: str, body) -> object:
        payload = body if isinstance(body, str) else json.dumps(body)
        return client.post(url, payload, content_type="application/json")

    return post
