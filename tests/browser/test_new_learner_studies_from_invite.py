"""A new person opens an invite link signed out on a 375 px phone, signs up, joins, studies with the keyboard, grades a
card Again and sees it again in the same session once its learning step is over, then sees the deck list's counts change."""

import pytest
from django.urls import reverse

from apps.accounts.services import cohort_create, cohort_invite_create
from apps.cards.cohort_decks import cohort_assign_deck
from apps.study.presets import deck_preset
from tests.browser.accounts import sign_up_from_invite
from tests.browser.keyboard import card_phase, start_studying

pytestmark = pytest.mark.browser

STEP_SECONDS = 3


@pytest.fixture
def invite_url(live_server, instructor, public_deck) -> str:
    cohort = cohort_create(owner=instructor, name="Evening Spanish")
    cohort_assign_deck(cohort=cohort, deck=public_deck)
    preset = deck_preset(public_deck)
    preset.learning_steps = f"{STEP_SECONDS}s 10m"  # a short first step, so the test need not wait a minute
    preset.save()
    return live_server.url + reverse("cohorts:cohort_join_by_link", args=[cohort_invite_create(cohort=cohort, valid_days=7, max_uses=30).code])


def _counts(page, deck_title: str) -> str:
    return page.locator("li", has_text=deck_title).locator(".deck-counts").first.get_attribute("aria-label")


def _front(page) -> str:
    return page.locator("#study-card .card-face.front").inner_text()


def _no_sideways_scrolling(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_new_learner_studies_from_an_invite_and_a_failed_card_comes_back(small_phone_page, invite_url, public_deck, artifacts_dir):
    page = small_phone_page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_up_from_invite(page, invite_url, username="lucia", email="lucia@example.org", password="amber-lantern-77-fjord")

    page.get_by_role("link", name="Decks").click()
    page.wait_for_selector(f"text={public_deck.title}")
    assert _counts(page, public_deck.title) == "6 new, 0 learning, 0 due"
    assert _no_sideways_scrolling(page)

    first = start_studying(page, public_deck.title)
    assert _no_sideways_scrolling(page)
    assert page.locator("kbd").first.is_hidden() and page.locator(".shortcuts").is_hidden()  # a touch screen: no key hints
    failed_front = _front(page)
    page.keyboard.press("Space")
    card_phase(page, "back")
    assert page.locator("button.grade-1 .next-interval").inner_text() == "<1m"  # the button says when it comes back
    page.keyboard.press("1")  # Again
    second = card_phase(page, "front", not_shown=first)
    assert _front(page) != failed_front  # its step runs: a new card meanwhile
    page.wait_for_timeout(STEP_SECONDS * 1000 + 500)
    page.keyboard.press("Space")
    card_phase(page, "back")
    page.keyboard.press("4")  # Easy
    card_phase(page, "front", not_shown=second)
    assert _front(page) == failed_front  # the failed card, again, once its step is over
    page.screenshot(path=str(artifacts_dir / "failed-card-again-375.png"), full_page=True)
    page.keyboard.press("Space")
    card_phase(page, "back")
    page.keyboard.press("4")
    card_phase(page, "front")
    page.keyboard.press("Escape")
    page.wait_for_selector("#session-summary")

    page.get_by_role("link", name="Decks", exact=True).click()
    page.wait_for_selector(f"text={public_deck.title}")
    assert _counts(page, public_deck.title) == "4 new, 0 learning, 0 due"
    assert errors == []
