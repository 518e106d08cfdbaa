"""A new person signs up, then signs in by username or by e-mail address; closed sign-up and bad input change nothing."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from apps.accounts import roles
from tests.apps.accounts.conftest import NEW_PASSWORD, sign_in, sign_up, signed_in_user_id

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_a_new_person_signs_up_as_a_learner_and_signs_in_by_username_or_email():
    client = Client()
    response = sign_up(client, "maria", email="Maria@Example.org")
    assert response.status_code == 302 and response.url == reverse("cards:deck_list")
    maria = User.objects.get(username="maria")
    assert signed_in_user_id(client) == str(maria.pk)
    assert roles.has_role(maria, roles.LEARNER) and not roles.has_role(maria, roles.INSTRUCTOR)
    assert not maria.is_staff

    for login in ("maria", "MARIA", "maria@example.org", "MARIA@EXAMPLE.ORG"):
        client = Client()
        response = sign_in(client, login, NEW_PASSWORD)
        assert response.status_code == 302 and response.url == reverse("cards:deck_list"), login
        assert signed_in_user_id(client) == str(maria.pk), login


def test_a_wrong_password_says_the_same_whether_or_not_the_account_exists(owner):
    wrong_password, unknown_account = sign_in(Client(), "owner", "not-it"), sign_in(Client(), "nobody-here", "not-it")
    assert wrong_password.status_code == unknown_account.status_code == 200
    assert "The username and/or password you specified are not correct." in wrong_password.content.decode()
    assert "The username and/or password you specified are not correct." in unknown_account.content.decode()


def test_existing_accounts_without_an_address_sign_in_by_username(owner, password, mail_server):
    """Accounts made before sign-up existed (by an admin, or load_demo) have no address to verify."""
    client = Client()
    assert sign_in(client, "owner", password).url == reverse("cards:deck_list")
    assert signed_in_user_id(client) == str(owner.pk)


def test_the_sign_in_page_offers_sign_up_and_no_password_reset_without_mail(client):
    page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("account_signup")}"' in page
    assert "Forgot your password" not in page


def test_closed_sign_up_says_so_and_creates_nothing(settings, client):
    settings.MNEMO_SIGNUP_OPEN = False
    page = client.get(reverse("account_signup")).content.decode()
    assert "Sign-up is closed" in page and 'name="password1"' not in page
    response = sign_up(client, "maria", email="maria@example.org")
    assert "Sign-up is closed" in response.content.decode()
    assert not User.objects.filter(username="maria").exists() and signed_in_user_id(client) is None
    assert reverse("account_signup") not in client.get(reverse("login")).content.decode()


LONG = "x" * 300


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"password2": "something-else-entirely-9"}, "You must type the same password each time."),
        ({"password1": "password", "password2": "password"}, "This password is too common."),
        ({"password1": "12345678901", "password2": "12345678901"}, "This password is entirely numeric."),
        ({"username": "ab"}, "Ensure this value has at least 3 characters"),
        ({"username": "u" * 151}, "Ensure this value has at most 150 characters"),
        ({"username": "maria lópez!"}, "Enter a valid username."),
        ({"email": "not-an-address"}, "Enter a valid email address."),
        ({"email": LONG + "@example.org"}, "Ensure this value has at most 254 characters"),
        ({"password1": LONG, "password2": LONG}, "Ensure this value has at most 256 characters"),
        ({"username": ""}, "This field is required."),
    ],
)
def test_bad_sign_up_input_gets_a_clear_message_and_changes_nothing(fields, message):
    client = Client()
    data = {"username": "maria", "email": "maria@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, **fields}
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.count() == 0 and signed_in_user_id(client) is None


def test_every_text_field_of_the_sign_up_and_sign_in_forms_is_length_limited(client):
    for url in (reverse("account_signup"), reverse("login")):
        inputs = re.findall(r"<input [^>]*>", client.get(url).content.decode())
        typed = [tag for tag in inputs if re.search(r'type="(text|email|password)"', tag)]
        assert len(typed) >= 2 and all(re.search(r'maxlength="\d+"', tag) for tag in typed), url
    long_login = sign_in(client, "x" * 255, "whatever")
    assert "Ensure this value has at most 254 characters" in long_login.content.decode()
