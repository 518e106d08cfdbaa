"""In Chromium: a learner makes Languages::Spanish::Verbs, adds a cloze note and a typed-answer note, and studies Languages."""

import pytest

from apps.cards.models import Card, Deck
from apps.study.models import CardMark, CardState, StudyLog
from tests.browser.keyboard import card_phase, sign_in_with_the_keyboard

pytestmark = pytest.mark.browser


def add_note(page, note_type: str, *values: str) -> None:
    page.get_by_role("link", name="Add a note").click()
    page.select_option("select[name=note_type]", label=note_type)
    page.locator("#note-type-choice button").click()
    page.wait_for_selector(f'#note-form textarea[name="field_{len(values) - 1}"]')
    for position, value in enumerate(values):
        page.fill(f'textarea[name="field_{position}"]', value)
    page.locator("#note-form button[type=submit]").click()
    page.wait_for_selector(".message")


def test_a_learner_studies_a_parent_deck_with_a_cloze_note_and_a_typed_answer(live_server, phone_page, owner, password, artifacts_dir):
    page = phone_page
    sign_in_with_the_keyboard(page, live_server.url, "owner", password)
    page.get_by_role("link", name="New deck").click()
    page.fill("input[name=title]", "Languages::Spanish::Verbs")
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_selector("h1:has-text('Languages::Spanish::Verbs')")
    add_note(page, "Cloze", "Yo {{c1::hablo}} y tú {{c2::hablas::hablar}}.", "")
    assert page.locator(".message").inner_text() == "Note added: 2 cards."
    page.goto(f"{live_server.url}/decks/{Deck.objects.get(owner=owner, title='Languages').uuid}/")
    add_note(page, "Basic (type in the answer)", "to speak?", "hablar")

    page.goto(f"{live_server.url}/decks/")
    nested = page.locator('li[data-deck="Languages"] li[data-deck="Languages::Spanish"] li[data-deck="Languages::Spanish::Verbs"]')
    assert nested.count() == 1 and "3 cards" in page.locator('li[data-deck="Languages"] > details > summary').inner_text()
    page.locator('li[data-deck="Languages"] > details > summary').get_by_role("button", name="Study").click()
    shown = card_phase(page, "front")
    page.wait_for_selector('html[data-shortcuts="on"]', state="attached")

    fronts = []
    for _ in range(2):  # a cloze card and the typed answer: answering one cloze card buries its sibling until tomorrow
        front = page.locator(".card-face.front").inner_text()
        fronts.append(front)
        if page.locator("input.type-answer").count():
            page.locator("input.type-answer").fill("hablar")
            page.locator("input.type-answer").press("Enter")
            card_phase(page, "back")
            assert page.locator(".typed-answer.right").inner_text() == "hablar"
            page.screenshot(path=str(artifacts_dir / "typed-answer-back.png"), full_page=True)
        else:
            assert "[...]" in front or "[hablar]" in front
            page.keyboard.press("Space")
            card_phase(page, "back")
            assert "hablo" in page.locator(".card-face.back").inner_text() and "hablas" in page.locator(".card-face.back").inner_text()
        page.keyboard.press("4")  # Easy: no learning step to come back to today
        if len(fronts) < 2:
            shown = card_phase(page, "front", not_shown=shown)
    page.wait_for_selector("#session-summary")

    assert "to speak?" in fronts and len({"Yo [...] y tú hablas.", "Yo hablo y tú [hablar]."} & set(fronts)) == 1
    verbs_cards = Card.objects.filter(deck__title="Languages::Spanish::Verbs")
    assert set(CardState.objects.filter(learner=owner, card__in=verbs_cards).values_list("deck__title", flat=True)) == {"Languages::Spanish::Verbs"}
    assert StudyLog.objects.filter(learner=owner).count() == 2
    assert CardMark.objects.filter(learner=owner, card__in=verbs_cards, buried_until__isnull=False).count() == 1
