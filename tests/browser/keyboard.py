"""What a keyboard-only learner does in Chromium: sign in, and wait for the study card to show a side."""

from playwright.sync_api import Page


def sign_in_with_the_keyboard(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}/decks/")


def card_phase(page: Page, phase: str, *, not_shown: str | None = None) -> str:
    """Wait until the card shows ``phase`` ("front" or "back"), of a showing other than ``not_shown``; return its showing."""
    selector = f'#study-card[data-phase="{phase}"]' + (f':not([data-shown="{not_shown}"])' if not_shown else "")
    return page.wait_for_selector(selector).get_attribute("data-shown")


def start_studying(page: Page, deck_title: str) -> str:
    """Press the deck's Study button on the deck list; return the first showing once its keyboard shortcuts are on."""
    page.locator("li", has_text=deck_title).get_by_role("button", name="Study").click()
    shown = card_phase(page, "front")
    page.wait_for_selector('html[data-shortcuts="on"]', state="attached")
    return shown
