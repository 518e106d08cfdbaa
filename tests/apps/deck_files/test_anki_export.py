"""Our .apkg opens in current Anki (its own library) with the same cards, tags, decks and review log, and round-trips."""

import uuid
from io import StringIO

from anki.collection import Collection
from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest
from django.core.management import call_command

from apps.cards.models import Card, Deck, DeckMedia
from apps.cards.selectors import deck_cards, deck_subtree
from apps.study.models import StudyLog
from apps.study.services import shown_card_choose_next, study_log_record, study_session_start
from tests.apps.deck_files.conftest import PNG, import_deck


def export_deck(deck_uuid, target, *options) -> None:
    call_command("export_deck", str(deck_uuid), "--format", "apkg", "--output", str(target), *options, stdout=StringIO())


def deck_contents(deck_uuid) -> list[tuple]:
    """Cards of the deck and those below it as a learner sees them (media by file name), with their deck and tags."""
    deck = Deck.objects.get(uuid=deck_uuid)
    media_names = {f"/decks/{deck.uuid}/media/{item.name}": item.name for item in DeckMedia.objects.filter(deck=deck)}

    def portable(text):
        for url, name in media_names.items():
            text = text.replace(url, name)
        return text

    return [(portable(card.front), portable(card.back), card.deck.title, card.tags) for card in deck_cards(deck)]


def deck_reviews(deck_uuid) -> list[tuple]:
    logs = StudyLog.objects.filter(deck__in=deck_subtree(Deck.objects.get(uuid=deck_uuid))).order_by("answered_at")
    return [(log.card.front, log.card.deck.title, log.answered_at, log.grade, log.response_ms) for log in logs]


def test_current_anki_opens_our_package_with_the_same_cards_tags_decks_and_reviews(db, owner, private_deck, tmp_path):
    session = study_session_start(learner=owner, deck=private_deck)
    for grade in (3, 1, 4):
        shown = shown_card_choose_next(learner=owner, deck=private_deck, session=session)
        study_log_record(learner=owner, card=shown.card, log_uuid=uuid.uuid4(), grade=grade, response_ms=1500, shown_uuid=shown.uuid)
    package = tmp_path / "ours.apkg"
    export_deck(private_deck.uuid, package, "--with-history")

    collection = Collection(str(tmp_path / "anki.anki2"))
    try:
        request = ImportAnkiPackageRequest(package_path=str(package), options=ImportAnkiPackageOptions(with_scheduling=True))
        collection.import_anki_package(request)
        in_anki = sorted(
            (note["Front"], note["Back"], sorted(note.tags), collection.decks.name(card.did))
            for card in map(collection.get_card, collection.find_cards(""))
            for note in [card.note()]
        )
        revlog = collection.db.all("SELECT revlog.id, revlog.ease, revlog.time, notes.flds FROM revlog JOIN cards ON cards.id = revlog.cid JOIN notes ON notes.id = cards.nid ORDER BY revlog.id")
    finally:
        collection.close()
    ours = sorted((card.front, card.back, sorted(card.tags), private_deck.title) for card in Card.objects.filter(deck=private_deck))
    assert in_anki == ours
    logs = StudyLog.objects.filter(deck=private_deck).order_by("answered_at")
    assert [(int(log.answered_at.timestamp() * 1000), log.grade, log.response_ms, f"{log.card.front}\x1f{log.card.back}") for log in logs] == [tuple(row) for row in revlog]


def test_an_anki_deck_and_its_subdecks_round_trip_through_our_export_and_import(db, owner, other_learner, anki_package, tmp_path):
    first = import_deck(anki_package("current"), owner)
    package = tmp_path / "round-trip.apkg"
    export_deck(first["deck"], package, "--with-history")
    second = import_deck(package, other_learner)

    assert (second["cards"], second["review_logs"], second["skipped"]) == (len(deck_contents(first["deck"])), first["review_logs"], [])
    assert deck_contents(second["deck"]) == deck_contents(first["deck"])
    assert deck_reviews(second["deck"]) == deck_reviews(first["deck"])
    assert StudyLog.objects.filter(deck__in=deck_subtree(Deck.objects.get(uuid=second["deck"]))).values("learner").distinct().get()["learner"] == other_learner.pk
    media = DeckMedia.objects.get(deck__uuid=second["deck"])
    with media.file.open("rb") as handle:
        assert handle.read() == PNG


def test_without_history_the_package_has_no_review_log(db, owner, anki_package, tmp_path):
    first = import_deck(anki_package("current"), owner)
    package = tmp_path / "cards-only.apkg"
    export_deck(first["deck"], package)
    assert import_deck(package, owner)["review_logs"] == 0
