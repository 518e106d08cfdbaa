"""TOTP two-factor sign-in: enrolment with an authenticator app, sign-in that asks for its code (or a recovery code),
wrong codes throttled like wrong passwords, and staff made to enrol when MNEMO_STAFF_REQUIRE_2FA is on.

Codes are computed with pyotp from the secret Mnemo stored, as an authenticator app would.
"""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.apps.accounts.conftest import NEW_PASSWORD, sign_in, sign_up, signed_in_user_id, totp_code

pytestmark = pytest.mark.django_db


def _enrol(client: Client, password: str) -> str:
    """Set up TOTP on the signed-in account through its pages (after entering the password again, as allauth asks
    before any change to two-factor sign-in); return the secret the app was given."""
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_reauthenticate"))
    assert client.post(response.url, {"password": password}).url == reverse("mfa_activate_totp")
    page = client.get(reverse("mfa_activate_totp")).content.decode()
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page).group(1)
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302 and response.url == reverse("mfa_view_recovery_codes")
    return secret


def _stored_secret(user) -> str:
    return decrypt(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"])


def _code_from_stored_secret(user) -> str:
    return totp_code(_stored_secret(user))


@pytest.fixture
def enrolled(owner, password):
    client = Client()
    sign_in(client, "owner", password)
    secret = _enrol(client, password)
    assert secret == _stored_secret(owner)
    codes = Authenticator.objects.get(user=owner, type=Authenticator.Type.RECOVERY_CODES).wrap().get_unused_codes()
    shown = client.get(reverse("mfa_view_recovery_codes")).content.decode()
    assert len(codes) == 10 and all(code in shown for code in codes)  # shown once set up, to be kept
    return owner


def test_a_learner_enrols_and_then_signs_in_with_a_code(enrolled, password):
    client = Client()
    response = sign_in(client, "owner", password)
    assert response.url == reverse("mfa_authenticate") and signed_in_user_id(client) is None
    assert "authenticator app" in client.get(reverse("mfa_authenticate")).content.decode()

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000" if _code_from_stored_secret(enrolled) != "000000" else "111111"})
    assert wrong.status_code == 200 and "Incorrect code." in wrong.content.decode() and signed_in_user_id(client) is None
    response = client.post(reverse("mfa_authenticate"), {"code": _code_from_stored_secret(enrolled)})
    assert response.url == reverse("cards:deck_list") and signed_in_user_id(client) == str(enrolled.pk)


def test_a_recovery_code_signs_in_once(enrolled, password):
    recovery = Authenticator.objects.get(user=enrolled, type=Authenticator.Type.RECOVERY_CODES).wrap()
    code = recovery.get_unused_codes()[0]
    client = Client()
    sign_in(client, "owner", password)
    assert client.post(reverse("mfa_authenticate"), {"code": code}).url == reverse("cards:deck_list")
    again = Client()
    sign_in(again, "owner", password)
    assert "Incorrect code." in again.post(reverse("mfa_authenticate"), {"code": code}).content.decode()
    assert signed_in_user_id(again) is None


def test_too_many_wrong_codes_lock_the_account_like_wrong_passwords(enrolled, password):
    client = Client()
    sign_in(client, "owner", password)
    for attempt in range(1, settings.AXES_FAILURE_LIMIT + 1):
        response = client.post(reverse("mfa_authenticate"), {"code": "12345x"})
        assert response.status_code == (429 if attempt == settings.AXES_FAILURE_LIMIT else 200)
    right = client.post(reverse("mfa_authenticate"), {"code": _code_from_stored_secret(enrolled)})
    assert right.status_code == 429 and "too many failed sign-ins" in right.content.decode().lower()
    assert signed_in_user_id(client) is None
    assert sign_in(Client(), "owner", password).status_code == 429  # the password alone is refused too
    assert AccessAttempt.objects.get().username == "owner"


def test_a_code_longer_than_any_code_is_refused_with_a_message(enrolled, password):
    client = Client()
    sign_in(client, "owner", password)
    response = client.post(reverse("mfa_authenticate"), {"code": "1" * 65})
    assert "Ensure this value has at most 64 characters" in response.content.decode() and signed_in_user_id(client) is None


@pytest.fixture
def staff_member(make_staff):
    return make_staff("staff-member", "accounts.view_cohort")


def test_staff_must_enrol_before_reaching_any_page(settings, staff_member, password):
    settings.MNEMO_STAFF_REQUIRE_2FA = True
    client = Client()
    assert sign_in(client, "staff-member", password, next_url="/admin/").url == "/admin/"
    for path in ("/admin/", reverse("cards:deck_list"), reverse("cohorts:cohort_list")):
        response = client.get(path)
        assert response.status_code == 302 and response.url == reverse("mfa_activate_totp"), path
    assert "Staff accounts sign in with two factors" in client.get(reverse("mfa_activate_totp"), follow=True).content.decode()
    _enrol(client, password)
    assert client.get("/admin/").status_code == 200

    again = Client()
    assert sign_in(again, "staff-member", password).url == reverse("mfa_authenticate")
    assert again.get("/admin/").status_code == 302 and signed_in_user_id(again) is None


def test_learners_are_not_made_to_enrol_and_staff_only_when_required(settings, staff_member, owner, password):
    settings.MNEMO_STAFF_REQUIRE_2FA = True
    learner = Client()
    sign_in(learner, "owner", password)
    assert learner.get(reverse("cards:deck_list")).status_code == 200
    settings.MNEMO_STAFF_REQUIRE_2FA = False
    staff = Client()
    sign_in(staff, "staff-member", password)
    assert staff.get("/admin/").status_code == 200


def test_the_api_asks_an_enrolled_account_for_its_code_too(enrolled, password, post_json):
    url = reverse("api:token_create")
    without_code = post_json(Client(), url, {"username": "owner", "password": password})
    assert without_code.status_code == 401 and "two-factor" in without_code.json()["error"]
    wrong_code = post_json(Client(), url, {"username": "owner", "password": password, "code": "12345x"})
    assert wrong_code.status_code == 401 and wrong_code.json() == {"error": "invalid two-factor code"}
    issued = post_json(Client(), url, {"username": "owner", "password": password, "code": _code_from_stored_secret(enrolled)})
    assert issued.status_code == 201 and issued.json()["token"]
    too_long = post_json(Client(), url, {"username": "owner", "password": password, "code": "1" * 65})
    assert too_long.status_code == 400
    assert AccessAttempt.objects.get().failures_since_start == 1  # the wrong code


def test_without_mail_someone_who_gave_an_address_can_still_enrol():
    """Without a mail server no address is ever verified; that must not keep anyone from two-factor sign-in."""
    client = Client()
    sign_up(client, "maria", email="maria@example.org")
    _enrol(client, NEW_PASSWORD)
    assert Authenticator.objects.filter(user__username="maria", type=Authenticator.Type.TOTP).exists()
