"""Cohorts: instructors (and staff with the permissions) own them, add learners and assign decks; everyone else gets 404 on their pages."""

import pytest
from django.urls import get_resolver, reverse
from django.utils.html import escape

from apps.accounts.models import Cohort
from apps.accounts.services import CohortInvalid, cohort_add_learner, cohort_create, cohort_invite_create
from apps.cards.cohort_decks import cohort_assign_deck
from apps.cards.services import deck_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(instructor, public_deck, owner):
    """The instructor's cohort with one learner (``owner``) and the instructor's public deck."""
    cohort = cohort_create(owner=instructor, name="Evening group")
    cohort_add_learner(cohort=cohort, learner=owner)
    cohort_assign_deck(cohort=cohort, deck=public_deck)
    cohort_invite_create(cohort=cohort, valid_days=7, max_uses=5)
    return cohort


def _cohort_requests(cohort, deck, learner):
    return [
        ("get", "cohorts:cohort_detail", {}),
        ("post", "cohorts:cohort_invite_create", {"valid_days": 7, "max_uses": 5}),
        ("post", "cohorts:cohort_invite_revoke", {"invite": cohort.invites.get().code}),
        ("post", "cohorts:cohort_member_remove", {"username": learner.username}),
        ("post", "cohorts:cohort_deck_assign", {"deck": str(deck.uuid)}),
        ("post", "cohorts:cohort_deck_unassign", {"deck": str(deck.uuid)}),
    ]


def test_every_cohort_url_is_covered_here(cohort, public_deck, owner):
    resolver = get_resolver().namespace_dict["cohorts"][1]
    names = {f"cohorts:{name}" for name in resolver.reverse_dict if isinstance(name, str)}
    joining = {"cohorts:cohorts_joined", "cohorts:cohort_join_by_code", "cohorts:cohort_join_by_link", "cohorts:cohort_leave"}  # tests/apps/accounts/test_cohort_joining.py
    assert names == {name for _, name, _ in _cohort_requests(cohort, public_deck, owner)} | {"cohorts:cohort_list"} | joining


@pytest.mark.parametrize("stranger_name", ["owner", "other_learner", "other_instructor"])
def test_strangers_get_404_on_every_cohort_page_and_change_nothing(
    request, cohort, public_deck, owner, make_user, web_client_for, stranger_name
):
    stranger = make_user("other-instructor", "instructor") if stranger_name == "other_instructor" else request.getfixturevalue(stranger_name)
    client = web_client_for(stranger)
    for method, name, data in _cohort_requests(cohort, public_deck, owner):
        response = getattr(client, method)(reverse(name, args=[cohort.uuid]), data)
        assert response.status_code == 404, (method, name)
    assert list(cohort.members.all()) == [owner] and list(cohort.decks.all()) == [public_deck]
    assert cohort.invites.get().revoked_at is None and cohort.invites.count() == 1
    assert cohort.name not in client.get(reverse("cohorts:cohort_list")).content.decode()


@pytest.mark.parametrize("persona", ["owner", "other_learner"])
def test_learners_have_no_cohort_pages_at_all(request, persona, web_client_for):
    client = web_client_for(request.getfixturevalue(persona))
    assert client.get(reverse("cohorts:cohort_list")).status_code == 404
    assert client.post(reverse("cohorts:cohort_list"), {"name": "mine"}).status_code == 404
    assert not Cohort.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, cohort, public_deck, owner):
    for method, name, data in [("get", "cohorts:cohort_list", None), *_cohort_requests(cohort, public_deck, owner)]:
        url = reverse(name) if name == "cohorts:cohort_list" else reverse(name, args=[cohort.uuid])
        response = getattr(client, method)(url, data)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), name


def test_an_instructor_creates_a_cohort_invites_learners_and_assigns_decks(instructor, owner, other_learner, public_deck, web_client_for):
    client = web_client_for(instructor)
    response = client.post(reverse("cohorts:cohort_list"), {"name": "Biology 101"})
    cohort = Cohort.objects.get()
    assert response.status_code == 302 and response.url == reverse("cohorts:cohort_detail", args=[cohort.uuid])
    assert cohort.owner == instructor and cohort.name == "Biology 101"

    detail = reverse("cohorts:cohort_detail", args=[cohort.uuid])
    assert client.post(reverse("cohorts:cohort_invite_create", args=[cohort.uuid]), {"valid_days": 7, "max_uses": 5}).url == detail
    link = reverse("cohorts:cohort_join_by_link", args=[cohort.invites.get().code])
    assert link in client.get(detail).content.decode()
    for learner in (owner, other_learner):
        assert web_client_for(learner).post(link).url == reverse("cohorts:cohorts_joined")
    client.post(reverse("cohorts:cohort_deck_assign", args=[cohort.uuid]), {"deck": str(public_deck.uuid)})
    client.post(reverse("cohorts:cohort_member_remove", args=[cohort.uuid]), {"username": other_learner.username})

    assert list(cohort.members.all()) == [owner] and list(cohort.decks.all()) == [public_deck]
    page = client.get(detail).content.decode()
    assert escape(public_deck.title) in page
    assert f'value="{owner.username}"' in page and f'value="{other_learner.username}"' not in page  # the members' remove buttons
    assert "Biology 101" in client.get(reverse("cohorts:cohort_list")).content.decode()

    client.post(reverse("cohorts:cohort_deck_unassign", args=[cohort.uuid]), {"deck": str(public_deck.uuid)})
    assert not cohort.decks.exists()


def test_the_page_refuses_non_members_and_other_owners_private_decks(cohort, instructor, other_learner, public_deck, private_deck, web_client_for):
    client = web_client_for(instructor)
    for username in ("nobody", other_learner.username):
        response = client.post(reverse("cohorts:cohort_member_remove", args=[cohort.uuid]), {"username": username}, follow=True)
        assert "Select a valid choice" in response.content.decode()
    response = client.post(reverse("cohorts:cohort_deck_assign", args=[cohort.uuid]), {"deck": str(private_deck.uuid)}, follow=True)
    assert "Select a valid choice" in response.content.decode()
    assert list(cohort.decks.all()) == [public_deck] and cohort.members.count() == 1


def test_only_instructors_and_staff_own_cohorts_and_only_learners_join(owner, instructor, admin_user, private_deck):
    with pytest.raises(CohortInvalid, match="neither an instructor nor staff allowed to add cohorts"):
        cohort_create(owner=owner, name="mine")
    cohort = cohort_create(owner=admin_user, name="staff's cohort")
    with pytest.raises(CohortInvalid, match="is not a learner"):
        cohort_add_learner(cohort=cohort, learner=instructor)
    with pytest.raises(CohortInvalid, match="private to another owner"):
        cohort_assign_deck(cohort=cohort, deck=private_deck)
    own = deck_create(owner=admin_user, title="Staff's private deck")
    cohort_assign_deck(cohort=cohort, deck=own)
    cohort_assign_deck(cohort=cohort, deck=own)
    assert list(cohort.decks.all()) == [own]


def test_staff_without_permissions_see_and_change_no_one_elses_cohort(cohort, owner, public_deck, make_staff, web_client_for):
    client = web_client_for(make_staff("bare-staff"))
    for method, name, data in _cohort_requests(cohort, public_deck, owner):
        assert getattr(client, method)(reverse(name, args=[cohort.uuid]), data).status_code == 404, name
    assert client.get(reverse("cohorts:cohort_list")).status_code == 404
    assert list(cohort.members.all()) == [owner] and list(cohort.decks.all()) == [public_deck]


def test_staff_who_may_only_view_cohorts_see_them_but_change_nothing(cohort, owner, public_deck, make_staff, web_client_for):
    client = web_client_for(make_staff("viewing-staff", "accounts.view_cohort"))
    assert client.get(reverse("cohorts:cohort_detail", args=[cohort.uuid])).status_code == 200
    for method, name, data in _cohort_requests(cohort, public_deck, owner)[1:]:
        assert client.post(reverse(name, args=[cohort.uuid]), data).status_code == 404, name
    assert list(cohort.members.all()) == [owner] and list(cohort.decks.all()) == [public_deck]


def test_staff_who_may_change_cohorts_manage_them(cohort, owner, make_staff, web_client_for):
    client = web_client_for(make_staff("cohort-staff", "accounts.view_cohort", "accounts.change_cohort"))
    client.post(reverse("cohorts:cohort_member_remove", args=[cohort.uuid]), {"username": owner.username})
    assert not cohort.members.exists()


def test_staff_manage_any_cohort(cohort, admin_client):
    assert admin_client.get(reverse("cohorts:cohort_detail", args=[cohort.uuid])).status_code == 200
    assert admin_client.get(reverse("admin:accounts_cohort_change", args=[cohort.pk])).status_code == 200


@pytest.mark.parametrize("persona, sees_link", [("instructor", True), ("owner", False)])
def test_the_navigation_links_to_cohorts_only_for_those_who_may_own_them(request, persona, sees_link, web_client_for):
    page = web_client_for(request.getfixturevalue(persona)).get(reverse("cards:deck_list")).content.decode()
    assert (f'href="{reverse("cohorts:cohort_list")}"' in page) is sees_link
