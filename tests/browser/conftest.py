"""Debian's Chromium driven by Playwright's sync API against pytest-django's live server."""

import os
from pathlib import Path

import pytest

from tests.browser.keyboard import sign_in_with_the_keyboard

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def allow_database_calls_beside_playwright():
    """Playwright's sync API keeps an event loop running in this thread; the test's own
    database calls are still synchronous, so Django's async-safety guard is relaxed
    while browser tests run (and restored after, so no subprocess inherits it)."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(allow_database_calls_beside_playwright):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (make browser-deps installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _phone_page(browser, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=2, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_page(browser):
    """A page the size of a phone screen."""
    yield from _phone_page(browser, 390, 844)


@pytest.fixture
def small_phone_page(browser):
    """A page 375 px wide, the narrowest common phone screen."""
    yield from _phone_page(browser, 375, 812)


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def sign_in(live_server, password):
    """sign_in(page, username) signs in with the keyboard, as a user would, and waits for the deck list."""

    def sign_in_as(page, username: str) -> None:
        sign_in_with_the_keyboard(page, live_server.url, username, password)

    return sign_in_as
