"""A learner imports a CSV from the deck list: preview, confirm, the progress bar fills as a real worker imports it."""

import uuid

import pytest

from apps.cards.models import Card, Deck

pytestmark = [pytest.mark.browser, pytest.mark.worker]


def test_import_a_deck_with_the_progress_bar(phone_page, owner, sign_in, start_worker, settings, tmp_path, artifacts_dir):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MNEMO_IMPORT_BACKGROUND_CARDS = 5
    settings.MNEMO_IMPORT_QUEUE = f"test-{uuid.uuid4().hex}"
    csv_file = tmp_path / "capitals.csv"
    csv_file.write_text("front\tback\ttags\n" + "".join(f"Capital number {index}?\tCity {index}\tgeography\n" for index in range(30)))
    page = phone_page

    sign_in(page, "owner")
    page.get_by_role("link", name="Import a deck").click()
    page.set_input_files('input[type="file"]', str(csv_file))
    page.get_by_role("button", name="Upload and preview").click()

    page.wait_for_selector("#import-preview")
    assert "capitals.csv: 30 notes, 30 cards, 0 review logs, 0 media files." in page.locator("#import-counts").inner_text()
    assert page.locator("#import-preview tbody tr").count() == 5
    page.get_by_role("button", name="Import 30 cards").click()

    # The worker starts only once the page shows the queued import, so a fast worker cannot
    # finish it before the page is drawn (the page of a finished import has no progress bar).
    page.wait_for_selector("#import-progress progress")
    start_worker(queue=settings.MNEMO_IMPORT_QUEUE, env={"MNEMO_MEDIA_ROOT": str(settings.MEDIA_ROOT)})
    page.get_by_role("link", name="Open the deck").wait_for(timeout=90_000)
    assert page.locator("#import-progress progress").evaluate("bar => bar.value === bar.max")
    page.screenshot(path=str(artifacts_dir / "deck-import-done.png"), full_page=True)
    page.get_by_role("link", name="Open the deck").click()
    page.wait_for_selector("text=Capital number 29?")
    assert Card.objects.filter(deck__owner=owner, deck__title="capitals").count() == 30
    assert Deck.objects.filter(owner=owner).count() == 1
