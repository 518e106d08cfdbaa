"""Under the Content-Security-Policy the study, deck, history and admin pages work and the console stays clean."""

import pytest
from django.contrib.auth import get_user_model

from apps.accounts.services import learner_settings_get_or_create
from apps.study.models import StudyLog

pytestmark = pytest.mark.browser


def _is_csp_report(text: str) -> bool:
    return "Content Security Policy" in text or text.startswith("CSP violation")


@pytest.fixture
def console_errors(phone_page):
    """The page's CSP violations (Chromium's console reports and the violation events) and script errors, as text."""
    errors: list[str] = []
    phone_page.on("console", lambda message: errors.append(message.text) if _is_csp_report(message.text) else None)
    phone_page.on("pageerror", lambda error: errors.append(str(error)))
    phone_page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    return errors


def _sign_in(page, base_url, username, password):
    response = page.goto(f"{base_url}/accounts/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.keyboard.press("Enter")


def test_studying_and_browsing_decks_raise_no_csp_violation(live_server, phone_page, console_errors, owner, password, private_deck):
    learner_settings = learner_settings_get_or_create(user=owner)
    learner_settings.cards_per_session = 2
    learner_settings.save()
    page = phone_page
    _sign_in(page, live_server.url, "owner", password)
    page.wait_for_url(f"{live_server.url}/decks/")
    page.get_by_role("link", name=private_deck.title).click()
    page.wait_for_selector("table.card-table td p")
    page.get_by_role("button", name="Study this deck").click()
    page.wait_for_selector('#study-card[data-phase="front"]')
    page.wait_for_selector('html[data-shortcuts="on"]', state="attached")
    for _ in range(2):
        page.keyboard.press("Space")
        page.wait_for_selector('#study-card[data-phase="back"]')
        page.keyboard.press("3")
        page.wait_for_function("() => !document.querySelector('#study-card[data-phase=\"back\"]')")
    page.wait_for_selector("#session-summary")
    assert StudyLog.objects.filter(learner=owner).count() == 2
    page.goto(f"{live_server.url}/study/history/")
    page.goto(f"{live_server.url}/accounts/settings/")
    assert console_errors == []


def test_admin_pages_raise_no_csp_violation(live_server, phone_page, console_errors, password, private_deck):
    get_user_model().objects.create_superuser(username="site-admin", password=password, email="")
    page = phone_page
    _sign_in(page, live_server.url, "site-admin", password)
    page.wait_for_url(f"{live_server.url}/decks/")
    for path in ("/admin/", "/admin/cards/deck/", f"/admin/cards/deck/{private_deck.pk}/change/", "/admin/cards/card/add/"):
        assert page.goto(f"{live_server.url}{path}").status == 200, path
    assert console_errors == []


def test_the_api_docs_page_lists_every_endpoint_under_the_policy(live_server, phone_page, console_errors, db):
    page = phone_page
    response = page.goto(f"{live_server.url}/api/v1/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert {path.replace("\u200b", "") for path in paths} == {"/api/v1/auth/token", "/api/v1/decks", "/api/v1/decks/{deck_uuid}/next", "/api/v1/answers"}
    page.get_by_text("/api/v1/answers").first.click()
    page.wait_for_selector(".opblock.is-open")
    assert console_errors == []
