"""With a mail server (EMAIL_HOST): addresses are verified before the first sign-in and passwords can be reset by
e-mail. Without one: no verification, and no password reset to offer."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.apps.accounts.conftest import NEW_PASSWORD, link_in, sign_in, sign_up, signed_in_user_id

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_an_address_is_verified_before_the_first_sign_in(mail_server):
    client = Client()
    response = sign_up(client, "maria", email="maria@example.org")
    assert response.status_code == 302 and response.url == reverse("account_email_verification_sent")
    assert signed_in_user_id(client) is None
    assert [message.to for message in mail_server] == [["maria@example.org"]]

    refused = sign_in(Client(), "maria", NEW_PASSWORD)
    assert refused.url == reverse("account_email_verification_sent")

    confirm = link_in(mail_server[0])
    assert "maria@example.org" in client.get(confirm).content.decode()
    response = client.post(confirm)
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(User.objects.get(username="maria").pk)
    assert sign_in(Client(), "maria@example.org", NEW_PASSWORD).url == reverse("cards:deck_list")


def test_with_mail_an_address_is_required_to_sign_up(mail_server):
    response = sign_up(Client(), "maria", email="")
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert not User.objects.exists()


def test_a_forgotten_password_is_reset_by_email(owner, mail_server):
    EmailAddress.objects.create(user=owner, email="owner@example.org", primary=True, verified=True)
    client = Client()
    assert f'href="{reverse("account_reset_password")}"' in client.get(reverse("login")).content.decode()
    response = client.post(reverse("account_reset_password"), {"email": "OWNER@example.org"})
    assert response.url == reverse("account_reset_password_done")
    assert [message.to for message in mail_server] == [["owner@example.org"]]

    key_page = client.get(link_in(mail_server[0]), follow=True)
    assert key_page.status_code == 200 and 'name="password1"' in key_page.content.decode()
    response = client.post(key_page.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.url == reverse("account_reset_password_from_key_done")
    assert sign_in(Client(), "owner", NEW_PASSWORD).url == reverse("cards:deck_list")


def test_without_mail_there_is_no_password_reset_and_no_verification(client, owner, password):
    signed_in = Client()
    sign_in(signed_in, "owner", password)
    assert "Forgot your password" not in signed_in.get(reverse("account_reauthenticate")).content.decode()
    assert client.get(reverse("account_reset_password")).status_code == 404
    assert client.post(reverse("account_reset_password"), {"email": "owner@example.org"}).status_code == 404
    assert "Forgot your password" not in client.get(reverse("login")).content.decode()
    assert sign_up(client, "maria", email="maria@example.org").url == reverse("cards:deck_list")


def test_an_address_an_administrator_typed_in_is_verified_once(owner, password, mail_server):
    owner.email = "owner@example.org"
    owner.save()
    client = Client()
    assert sign_in(client, "owner", password).url == reverse("account_email_verification_sent")
    assert signed_in_user_id(client) is None
    client.post(link_in(mail_server[-1]))
    assert sign_in(Client(), "owner@example.org", password).url == reverse("cards:deck_list")
