"""Learners join a cohort themselves with an invite's link or code (expiring, revocable, limited) and may leave it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import CohortInvite
from apps.accounts.services import CohortInvalid, cohort_invite_create, cohort_invite_revoke, cohort_join

pytestmark = pytest.mark.django_db


@pytest.fixture
def invite(cohort):
    """An invite two learners may use (the conftest's allows thirty)."""
    return cohort_invite_create(cohort=cohort, valid_days=7, max_uses=2)


def _messages(response) -> str:
    return response.content.decode()


def test_a_learner_joins_through_the_link_and_leaves(invite, cohort, owner, web_client_for):
    client = web_client_for(owner)
    link = reverse("cohorts:cohort_join_by_link", args=[invite.code])
    page = client.get(link).content.decode()
    assert "Join “Evening Spanish”" in page and not cohort.members.exists()

    response = client.post(link, follow=True)
    assert "You are a member of “Evening Spanish”." in _messages(response)
    assert list(cohort.members.all()) == [owner]
    client.post(link)
    invite.refresh_from_db()
    assert invite.uses == 1  # joining again costs no use

    response = client.post(reverse("cohorts:cohort_leave", args=[cohort.uuid]), follow=True)
    assert "You left “Evening Spanish”." in _messages(response) and not cohort.members.exists()


def test_a_learner_joins_with_the_code_typed_in_any_case(invite, cohort, owner, web_client_for):
    response = web_client_for(owner).post(reverse("cohorts:cohort_join_by_code"), {"code": f" {invite.code.lower()} "}, follow=True)
    assert "You are a member of" in _messages(response) and list(cohort.members.all()) == [owner]


@pytest.mark.parametrize(
    "spoil, message",
    [
        (lambda invite: cohort_invite_revoke(invite=invite), "This invite was revoked."),
        (lambda invite: CohortInvite.objects.filter(pk=invite.pk).update(expires_at=timezone.now() - timedelta(seconds=1)), "This invite has expired."),
        (lambda invite: CohortInvite.objects.filter(pk=invite.pk).update(uses=2), "used as many times as it allows"),
    ],
)
def test_a_revoked_expired_or_used_up_invite_changes_nothing(invite, cohort, owner, web_client_for, spoil, message):
    spoil(invite)
    client = web_client_for(owner)
    assert message in _messages(client.post(reverse("cohorts:cohort_join_by_link", args=[invite.code]), follow=True))
    response = client.post(reverse("cohorts:cohort_join_by_code"), {"code": invite.code})
    assert response.status_code == 400 and message in _messages(response)
    assert not cohort.members.exists()


def test_the_use_limit_counts_learners(invite, cohort, make_user):
    learners = [make_user(f"learner-{index}") for index in range(3)]
    cohort_join(learner=learners[0], code=invite.code)
    cohort_join(learner=learners[1], code=invite.code)
    with pytest.raises(CohortInvalid, match="as many times"):
        cohort_join(learner=learners[2], code=invite.code)
    assert set(cohort.members.all()) == set(learners[:2])


def test_unknown_codes_are_404_or_refused_without_telling_anything(cohort, owner, web_client_for):
    client = web_client_for(owner)
    assert client.get(reverse("cohorts:cohort_join_by_link", args=["NOSUCHCODE"])).status_code == 404
    assert client.get(reverse("cohorts:cohort_join_by_link", args=["X" * 200])).status_code == 404
    response = client.post(reverse("cohorts:cohort_join_by_code"), {"code": "X" * 100})
    assert response.status_code == 400 and not cohort.members.exists()


def test_only_learners_join(invite, cohort, instructor, web_client_for):
    response = web_client_for(instructor).post(reverse("cohorts:cohort_join_by_link", args=[invite.code]), follow=True)
    assert "is not a learner" in _messages(response) and not cohort.members.exists()


def test_leaving_a_cohort_one_is_not_in_is_404(invite, cohort, owner, other_learner, web_client_for):
    cohort_join(learner=owner, code=invite.code)
    assert web_client_for(other_learner).post(reverse("cohorts:cohort_leave", args=[cohort.uuid])).status_code == 404
    assert list(cohort.members.all()) == [owner]


def test_a_learner_sees_the_cohorts_they_belong_to(invite, cohort, owner, other_learner, web_client_for):
    cohort_join(learner=owner, code=invite.code)
    assert "Evening Spanish" in web_client_for(owner).get(reverse("cohorts:cohorts_joined")).content.decode()
    assert "Evening Spanish" not in web_client_for(other_learner).get(reverse("cohorts:cohorts_joined")).content.decode()


def test_invite_limits_are_checked(cohort, instructor, web_client_for):
    client = web_client_for(instructor)
    for data in ({"valid_days": 0, "max_uses": 5}, {"valid_days": 7, "max_uses": 100000}, {"valid_days": "x", "max_uses": 5}):
        client.post(reverse("cohorts:cohort_invite_create", args=[cohort.uuid]), data)
    assert not cohort.invites.exists()
    with pytest.raises(CohortInvalid):
        cohort_invite_create(cohort=cohort, valid_days=400, max_uses=1)
