"""An invite link opened signed out names the cohort and its instructor, leads to sign-up or sign-in, and the person
lands back as a member; an invite that no longer works says why and names no cohort."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import CohortInvite
from apps.accounts.services import cohort_invite_revoke
from tests.apps.accounts.conftest import link_in, sign_in, sign_up, signed_in_user_id

pytestmark = pytest.mark.django_db
User = get_user_model()
JOINED = reverse("cohorts:cohorts_joined")


def _link(invite) -> str:
    return reverse("cohorts:cohort_join_by_link", args=[invite.code])


def _choose(client: Client, invite, then: str):
    """Press "Create an account and join" (account_signup) or "Sign in and join" (login) on the invite page."""
    return client.post(_link(invite), {"then": then})


def test_the_invite_page_names_the_cohort_and_offers_sign_up_and_sign_in(client, invite):
    response = client.get(_link(invite))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Join “Evening Spanish”" in page and "instructor invites you" in page
    assert "Create an account and join" in page and "Sign in and join" in page


def test_a_new_person_signs_up_from_the_invite_and_is_a_member(client, invite, cohort):
    response = _choose(client, invite, "account_signup")
    assert response.status_code == 302 and response.url == f"{reverse('account_signup')}?next={JOINED.replace('/', '%2F')}"
    assert "you join <strong>“Evening Spanish”</strong>, taught by instructor" in client.get(response.url).content.decode()

    response = sign_up(client, "maria", email="maria@example.org", next_url=JOINED)
    assert response.status_code == 302 and response.url == JOINED
    maria = User.objects.get(username="maria")
    assert list(cohort.members.all()) == [maria]
    landing = client.get(JOINED).content.decode()
    assert "You are a member of “Evening Spanish”." in landing and "taught by instructor" in landing
    invite.refresh_from_db()
    assert invite.uses == 1


def test_someone_with_an_account_signs_in_from_the_invite_and_is_a_member(client, invite, cohort, owner, password):
    response = _choose(client, invite, "login")
    assert response.url.startswith(reverse("login"))
    assert sign_in(client, "owner", password, next_url=JOINED).url == JOINED
    assert list(cohort.members.all()) == [owner]
    assert "You are a member of “Evening Spanish”." in client.get(JOINED).content.decode()


def test_with_mail_the_new_person_joins_once_their_address_is_verified(client, invite, cohort, mail_server):
    _choose(client, invite, "account_signup")
    assert sign_up(client, "maria", email="maria@example.org", next_url=JOINED).url == reverse("account_email_verification_sent")
    assert not cohort.members.exists()
    response = client.post(link_in(mail_server[0]))
    assert response.url == JOINED and list(cohort.members.values_list("username", flat=True)) == ["maria"]


def test_only_the_first_sign_in_after_the_invite_joins(client, invite, cohort, owner, password):
    _choose(client, invite, "login")
    sign_in(client, "owner", password)
    client.post(reverse("logout"))
    cohort.members.clear()
    sign_in(client, "owner", password)
    assert not cohort.members.exists()


def test_an_instructor_signing_in_from_an_invite_is_told_why_they_did_not_join(client, invite, cohort, make_user, password):
    make_user("other-instructor", "instructor")
    _choose(client, invite, "login")
    sign_in(client, "other-instructor", password)
    assert "You could not join the cohort: other-instructor is not a learner" in client.get(reverse("cards:deck_list")).content.decode()
    assert not cohort.members.exists()


def test_viewing_the_invite_alone_joins_nothing(client, invite, cohort, owner, password):
    client.get(_link(invite))
    sign_in(client, "owner", password)
    assert not cohort.members.exists()


def test_closed_sign_up_leaves_only_sign_in_on_the_invite(settings, client, invite):
    settings.MNEMO_SIGNUP_OPEN = False
    page = client.get(_link(invite)).content.decode()
    assert "Create an account" not in page and "Sign in and join" in page and "does not take new sign-ups" in page
    assert _choose(client, invite, "account_signup").status_code == 400
    assert _choose(client, invite, "somewhere-else").status_code == 400
    assert signed_in_user_id(client) is None


@pytest.mark.parametrize(
    "spoil, reason",
    [
        (lambda invite: cohort_invite_revoke(invite=invite), "This invite was revoked."),
        (lambda invite: CohortInvite.objects.filter(pk=invite.pk).update(expires_at=timezone.now() - timedelta(seconds=1)), "This invite has expired."),
        (lambda invite: CohortInvite.objects.filter(pk=invite.pk).update(uses=invite.max_uses), "used as many times as it allows"),
    ],
)
@pytest.mark.parametrize("who", ["visitor", "learner"])
def test_an_invite_that_no_longer_works_says_why_and_names_no_cohort(request, invite, cohort, web_client_for, spoil, reason, who):
    spoil(invite)
    client = Client() if who == "visitor" else web_client_for(request.getfixturevalue("owner"))
    for response in (client.get(_link(invite)), client.post(_link(invite), {"then": "account_signup"})):
        page = response.content.decode()
        assert response.status_code == 410 and reason in page
        assert "Evening Spanish" not in page and "instructor" not in page.replace("your instructor", "")
    assert not cohort.members.exists()


def test_an_unknown_invite_is_404_signed_out_too(client, invite):
    assert client.get(reverse("cohorts:cohort_join_by_link", args=["NOSUCHCODE"])).status_code == 404
    assert client.get(reverse("cohorts:cohort_join_by_link", args=["X" * 200])).status_code == 404


def test_a_member_opening_the_link_again_is_told_they_are_in(invite, cohort, owner, web_client_for):
    client = web_client_for(owner)
    client.post(_link(invite))
    cohort_invite_revoke(invite=invite)
    page = client.get(_link(invite)).content.decode()
    assert "You are a member of “Evening Spanish”" in page

