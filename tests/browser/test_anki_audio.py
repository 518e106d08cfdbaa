"""A learner imports a real Anki package from the deck page, studies a cloze card and plays its sound in Chromium."""

import pytest

from apps.cards.models import Card, Note
from tests.anki_truth import REAL_ANKI_DATA
from tests.browser.keyboard import card_phase, start_studying

pytestmark = pytest.mark.browser

PACKAGE = REAL_ANKI_DATA / "kedarmhaswade_simple-spanish-w-audio.colpkg.apkg"
DECK = "My Google Spanish Sentences"


def test_import_a_package_study_a_cloze_card_and_play_its_sound(phone_page, owner, sign_in, settings, tmp_path, artifacts_dir):
    settings.MEDIA_ROOT = tmp_path / "media"
    page = phone_page
    sign_in(page, "owner")
    page.get_by_role("link", name="Import a deck").click()
    page.set_input_files('input[type="file"]', str(PACKAGE))
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_selector("#import-preview")
    counts = page.locator("#import-counts").inner_text()
    assert "5 notes, 7 cards" in counts and "7 media files" in counts
    page.get_by_role("button", name="Import 7 cards").click()
    page.wait_for_selector("text=Imported 7 cards")
    assert Card.objects.filter(deck__owner=owner, note__note_type__kind="cloze").count() == 7
    assert Note.objects.filter(owner=owner).count() == 5

    page.get_by_role("link", name="Decks").first.click()
    start_studying(page, DECK)
    front = page.locator("#study-card .card-face.front").inner_text()
    assert "[...]" in front
    page.keyboard.press("Space")
    card_phase(page, "back")
    audio = page.locator("#study-card .card-face.back audio")
    assert audio.count() == 1
    assert audio.get_attribute("src").startswith("/decks/")
    audio.evaluate("player => player.play()")
    page.wait_for_function("() => { const a = document.querySelector('#study-card .back audio'); return !a.paused && a.readyState >= 2; }")
    assert audio.evaluate("player => !player.paused && player.currentTime >= 0 && player.error === null")
    page.screenshot(path=str(artifacts_dir / "anki-audio-card.png"), full_page=True)
