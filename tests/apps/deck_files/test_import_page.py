"""The import page: upload, preview (counts, first rows, warnings), confirm; large imports run on a real worker with progress."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.cards.models import Card, Deck, DeckImport
from apps.study.models import StudyLog
from tests.anki_truth import REAL_ANKI_DATA


def upload(client, name: str, data: bytes, title: str = ""):
    return client.post(reverse("deck_io:deck_import_upload"), {"file": SimpleUploadedFile(name, data), "title": title})


def test_the_deck_list_links_to_the_import_page(owner, web_client_for):
    page = web_client_for(owner).get(reverse("cards:deck_list")).content.decode()
    assert reverse("deck_io:deck_import_upload") in page


def test_a_csv_is_previewed_then_imported_on_confirm(owner, web_client_for, media_root):
    client = web_client_for(owner)
    rows = "".join(f"question {index},answer {index},tag-{index % 2}\n" for index in range(8))
    response = upload(client, "vocabulary.csv", ("front,back,tags\n" + rows).encode("utf-8-sig"))
    deck_import = DeckImport.objects.get()
    assert response.url == reverse("deck_io:deck_import_detail", kwargs={"import_uuid": deck_import.uuid})

    preview = client.get(response.url).content.decode()
    assert "vocabulary.csv: 8 notes, 8 cards, 0 review logs, 0 media files." in preview
    assert "question 0" in preview and "question 4" in preview and "question 5" not in preview
    assert not Deck.objects.exists()

    confirmed = client.post(reverse("deck_io:deck_import_confirm", kwargs={"import_uuid": deck_import.uuid}))
    deck = Deck.objects.get(owner=owner, title="vocabulary")
    assert confirmed.url == reverse("cards:deck_detail", kwargs={"deck_uuid": deck.uuid})
    assert sorted(Card.objects.filter(deck=deck).values_list("front", flat=True)) == sorted(f"question {index}" for index in range(8))
    assert not list((media_root / "deck-imports").iterdir())
    client.post(reverse("deck_io:deck_import_confirm", kwargs={"import_uuid": deck_import.uuid}))
    assert Deck.objects.count() == 1


def test_an_anki_package_preview_counts_reviews_and_warns_of_skipped_media(owner, web_client_for, anki_collection, anki_package):
    note = anki_collection.new_note(anki_collection.models.by_name("Basic"))
    note["Front"], note["Back"] = 'a map <img src="missing-map.png">', "Spain"
    anki_collection.add_note(note, anki_collection.decks.id("Geography"))
    client = web_client_for(owner)
    response = upload(client, "spanish.apkg", anki_package("current").read_bytes())
    preview = client.get(response.url).content.decode()
    assert "spanish.apkg: 4 notes, 6 cards, 6 review logs, 1 media files." in preview
    assert "media &#x27;missing-map.png&#x27;: referenced by a card but not in the package" in preview
    assert "Spanish::Verbs" in preview and "<script>" not in preview
    assert "3 note types and 3 decks" in preview
    assert "Cloze (cloze: Text, Back Extra) — you have it" in preview
    assert "Spanish::Verbs — new" in preview and "Geography — new" in preview


def test_the_preview_of_a_real_package_says_what_the_import_creates(owner, web_client_for, media_root):
    client = web_client_for(owner)
    package = REAL_ANKI_DATA / "kedarmhaswade_collection.apkg"
    preview = client.get(upload(client, package.name, package.read_bytes()).url).content.decode()
    assert f"{package.name}: 393 notes, 1143 cards, 1601 review logs, 22 media files." in preview
    assert "5 note types and 16 decks" in preview
    assert "Cloze-ProgrammingLanguage (cloze: Text, Extra, topic) — new" in preview
    assert "its front is empty, as in Anki (an empty card); imported with its history" in preview
    assert not Deck.objects.exists()


def test_a_bad_file_is_refused_on_the_form_and_nothing_is_kept(owner, web_client_for, media_root):
    response = upload(web_client_for(owner), "latin.csv", "front,back\nÉté,summer\n".encode("latin-1"))
    assert response.status_code == 400
    assert "latin.csv: line 2: not UTF-8 text" in response.content.decode()
    assert not DeckImport.objects.exists() and not Deck.objects.exists()
    assert not any(path.is_file() for path in media_root.rglob("*"))


def test_an_oversized_upload_is_refused_on_the_form(owner, web_client_for, settings):
    settings.MNEMO_IMPORT_MAX_UPLOAD_BYTES = 2048
    response = upload(web_client_for(owner), "big.csv", b"front,back\n" + b"q,a\n" * 2000)
    assert response.status_code == 413 and "larger than the 2 KB allowed for an import" in response.content.decode()
    assert not DeckImport.objects.exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_large_import_runs_on_the_worker_and_reports_progress(owner, web_client_for, anki_package, start_worker, settings, media_root):
    worker = start_worker(env={"MNEMO_MEDIA_ROOT": str(media_root)})
    settings.MNEMO_IMPORT_BACKGROUND_CARDS = 2
    settings.MNEMO_IMPORT_QUEUE = worker.queue
    client = web_client_for(owner)
    deck_import = DeckImport.objects.get(uuid=upload(client, "spanish.apkg", anki_package("current").read_bytes()).url.split("/")[-2])

    assert client.post(reverse("deck_io:deck_import_confirm", kwargs={"import_uuid": deck_import.uuid})).status_code == 302
    page = client.get(reverse("deck_io:deck_import_detail", kwargs={"import_uuid": deck_import.uuid})).content.decode()
    assert 'id="import-progress"' in page and "<progress" in page

    progress_url = reverse("deck_io:deck_import_progress", kwargs={"import_uuid": deck_import.uuid})
    deadline = time.monotonic() + 90
    while (progress := client.get(progress_url).json())["status"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert progress["status"] == "done", progress
    deck = Deck.objects.get(owner=owner, title="Spanish")
    assert progress["deck_url"] == reverse("cards:deck_detail", kwargs={"deck_uuid": deck.uuid})
    assert (progress["done"], progress["total"]) == (1, 1)
    assert Card.objects.filter(deck__owner=owner).count() == 5 and StudyLog.objects.filter(learner=owner).count() == 6
