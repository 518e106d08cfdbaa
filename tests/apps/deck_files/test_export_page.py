"""Export from the deck page: CSV and .apkg downloads; "with my reviews" carries only the signed-in learner's answers."""

import uuid

from django.urls import reverse

from apps.cards.deck_files.limits import ImportLimits
from apps.cards.deck_files.reading import read_deck_file
from apps.study.services import shown_card_choose_next, study_log_record, study_session_start
from tests.anki_truth import anki_view


def answer(learner, deck, count: int) -> None:
    session = study_session_start(learner=learner, deck=deck)
    for _ in range(count):
        shown = shown_card_choose_next(learner=learner, deck=deck, session=session)
        study_log_record(learner=learner, card=shown.card, log_uuid=uuid.uuid4(), grade=3, response_ms=900, shown_uuid=shown.uuid)


def download(client, deck, tmp_path, **query):
    response = client.get(reverse("deck_io:deck_export", kwargs={"deck_uuid": deck.uuid}), query)
    assert response.status_code == 200
    target = tmp_path / response["Content-Disposition"].split('filename="')[1].rstrip('"')
    target.write_bytes(b"".join(response.streaming_content))
    return target


def test_the_deck_page_offers_the_exports(owner, private_deck, web_client_for):
    page = web_client_for(owner).get(reverse("cards:deck_detail", kwargs={"deck_uuid": private_deck.uuid})).content.decode()
    url = reverse("deck_io:deck_export", kwargs={"deck_uuid": private_deck.uuid})
    assert f"{url}?format=csv" in page and f"{url}?format=apkg" in page and f"{url}?format=apkg&amp;history=1" in page


def test_downloads_hold_the_cards_and_only_the_learners_own_reviews(public_deck, owner, other_learner, web_client_for, tmp_path):
    answer(owner, public_deck, 4)
    answer(other_learner, public_deck, 2)
    client = web_client_for(other_learner)
    limits = ImportLimits.from_settings()

    csv_file = download(client, public_deck, tmp_path, format="csv")
    assert csv_file.name == f"{public_deck.title}.csv"
    assert len(read_deck_file(csv_file, limits=limits).cards) == 6

    package = read_deck_file(download(client, public_deck, tmp_path, format="apkg", history="1"), limits=limits)
    assert len(package.cards) == 6 and len(package.reviews) == 2
    assert len(read_deck_file(download(client, public_deck, tmp_path, format="apkg"), limits=limits).reviews) == 0


def test_the_collection_export_holds_the_learners_own_decks_and_history_only(owner, other_learner, private_deck, public_deck, web_client_for, tmp_path):
    answer(owner, private_deck, 3)
    answer(other_learner, public_deck, 2)
    response = web_client_for(owner).get(reverse("deck_io:collection_export"))
    assert response.status_code == 200 and response["Content-Disposition"].endswith('owner-collection.colpkg"')
    package = tmp_path / "owner.colpkg"
    package.write_bytes(b"".join(response.streaming_content))
    in_anki = anki_view(package)
    assert in_anki.decks == {private_deck.title}
    assert len(in_anki.notes) == private_deck.cards.count() and len(in_anki.revlog) == 3
