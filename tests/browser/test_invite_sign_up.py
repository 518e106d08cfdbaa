"""A new person opens an instructor's invite link signed out on a 375 px phone, signs up, and is in the cohort."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from apps.accounts import roles
from apps.accounts.services import cohort_create, cohort_invite_create
from apps.cards.cohort_decks import cohort_assign_deck
from tests.browser.accounts import sign_up_from_invite

pytestmark = pytest.mark.browser


@pytest.fixture
def invite_url(live_server, instructor, public_deck) -> str:
    cohort = cohort_create(owner=instructor, name="Evening Spanish")
    cohort_assign_deck(cohort=cohort, deck=public_deck)
    invite = cohort_invite_create(cohort=cohort, valid_days=7, max_uses=30)
    return live_server.url + reverse("cohorts:cohort_join_by_link", args=[invite.code])


def _no_sideways_scrolling(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_new_person_signs_up_from_an_invite_and_is_a_member(small_phone_page, invite_url, public_deck, artifacts_dir):
    page = small_phone_page
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(invite_url)
    assert page.locator("h1").inner_text() == "Join “Evening Spanish”"
    assert "instructor invites you" in page.locator("main").inner_text()
    assert _no_sideways_scrolling(page)
    page.screenshot(path=str(artifacts_dir / "invite-signed-out-375.png"), full_page=True)

    sign_up_from_invite(page, invite_url, username="maria", email="maria@example.org", password="violet-harbour-41-quill")
    main = page.locator("main").inner_text()
    assert "You are a member of “Evening Spanish”." in main and "taught by instructor" in main
    assert _no_sideways_scrolling(page)
    page.screenshot(path=str(artifacts_dir / "invite-joined-375.png"), full_page=True)

    maria = get_user_model().objects.get(username="maria")
    assert list(maria.cohorts.values_list("name", flat=True)) == ["Evening Spanish"]
    assert roles.has_role(maria, roles.LEARNER)
    page.get_by_role("link", name="Decks").click()
    page.wait_for_selector(f"text={public_deck.title}")
    assert errors == []
