"""Anki packages written by Anki itself, current and legacy: every card, tag, deck name, media file and review arrives."""

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.browser.search import card_search
from apps.cards.models import Card, Deck, DeckMedia, Note
from apps.study.models import CardState, StudyLog
from apps.study.models import IMPORTED_POLICY
from tests.apps.deck_files.conftest import ANSWERS, PNG, SECONDS_PER_ANSWER, anki_revlog, import_deck

CLOZE, OTHER = '<span class="cloze">{}</span>', '<span class="cloze-inactive">{}</span>'
EXPECTED_CARDS = {
    # (front, back, deck): tags; Anki's deck tree as it is, each card rendered from its note (script removed)
    ("<b>hablar</b>", None, "Spanish::Verbs"): ["spanish", "verbs"],
    ("comer", "to eat", "Spanish::Verbs"): ["spanish"],
    ("to eat", "comer", "Spanish::Verbs"): ["spanish"],
    (f"{CLOZE.format('[...]')} is the capital of {OTHER.format('Spain')}",
     f"{CLOZE.format('Madrid')} is the capital of {OTHER.format('Spain')}<br>\nSince 1561", "Geography"): ["geo::europe"],
    (f"{OTHER.format('Madrid')} is the capital of {CLOZE.format('[country]')}",
     f"{OTHER.format('Madrid')} is the capital of {CLOZE.format('Spain')}<br>\nSince 1561", "Geography"): ["geo::europe"],
}



@pytest.mark.parametrize("kind", ["current", "colpkg", "legacy", "anki2"])
def test_every_card_tag_deck_and_review_arrives(db, owner, anki_collection, anki_package, kind, client):
    summary = import_deck(anki_package(kind), owner)

    deck = Deck.objects.get(uuid=summary["deck"])
    assert deck.owner == owner and deck.title == "Spanish"
    assert (summary["cards"], summary["notes"], summary["review_logs"], summary["note_types"], summary["decks"]) == (5, 3, len(ANSWERS), 3, 3)
    assert summary["skipped"] == []
    cards = {(card.front, None if "img" in card.back else card.back, card.deck.title): card.tags for card in Card.objects.filter(deck__owner=owner)}
    assert cards == EXPECTED_CARDS
    assert sorted(Deck.objects.filter(owner=owner).values_list("title", "parent__title")) == [
        ("Geography", None), ("Spanish", None), ("Spanish::Verbs", "Spanish")
    ]
    notes = {note.note_type.name: sorted(note.cards.values_list("ord", flat=True)) for note in Note.objects.filter(owner=owner)}
    assert notes == {"Basic": [0], "Basic (and reversed card)": [0, 1], "Cloze": [0, 1]}

    media = DeckMedia.objects.get(deck=deck)
    speak = Card.objects.get(deck__title="Spanish::Verbs", front="<b>hablar</b>")
    assert speak.back == f'to speak <img src="/decks/{deck.uuid}/media/{media.name}">'
    client.force_login(owner)
    served = client.get(f"/decks/{deck.uuid}/media/{media.name}")
    assert served.status_code == 200 and b"".join(served.streaming_content) == PNG

    revlog = anki_revlog(anki_collection)
    logs = list(StudyLog.objects.filter(learner=owner).order_by("answered_at"))
    assert [(log.answered_at, log.grade, log.response_ms) for log in logs] == [
        (datetime.fromtimestamp(ms / 1000, tz=dt_timezone.utc), ease, taken) for ms, ease, taken in revlog
    ]
    assert {log.response_ms for log in logs} == {SECONDS_PER_ANSWER * 1000}
    assert all(log.learner == owner and log.policy == IMPORTED_POLICY and log.shown is None for log in logs)
    assert all(log.shown_at == log.answered_at - timedelta(milliseconds=log.response_ms) for log in logs)
    assert [log.outcome for log in logs] == [ease > 1 for _, ease, _ in revlog]
    studied = {log.card_id for log in logs}
    assert set(CardState.objects.filter(learner=owner).values_list("card_id", flat=True)) == studied


def test_a_title_given_on_the_command_line_names_the_deck(db, owner, anki_package):
    summary = import_deck(anki_package("current"), owner, "--title", "Mis verbos")
    assert Deck.objects.get(uuid=summary["deck"]).title == "Mis verbos"


def test_media_missing_from_the_package_is_reported_as_skipped(db, owner, anki_collection, anki_package):
    note = anki_collection.new_note(anki_collection.models.by_name("Basic"))
    note["Front"], note["Back"] = 'a map <img src="missing-map.png">', "Spain"
    anki_collection.add_note(note, anki_collection.decks.id("Geography"))
    summary = import_deck(anki_package("current"), owner)
    assert summary["cards"] == 6
    assert summary["skipped"] == ["media 'missing-map.png': referenced by a card but not in the package"]


def test_an_unknown_command_line_owner_is_refused(db, anki_package):
    with pytest.raises(CommandError, match="no user named 'nobody'"):
        call_command("import_deck", str(anki_package("current")), "--owner", "nobody", stdout=StringIO())
    assert not Deck.objects.exists()


def test_imported_cards_are_found_by_the_browsers_free_text_search(db, owner, anki_package):
    """The import writes cards in bulk; the browser's text index (``apps.cards.text_index``) must hold them all the same."""
    import_deck(anki_package("current"), owner)

    assert [card.front for card in card_search("hablar", viewer=owner)] == ["<b>hablar</b>"]
    assert {card.ord for card in card_search("capital madrid", viewer=owner)} == {0, 1}
    assert [card.front for card in card_search("alert", viewer=owner)] == []  # the script was removed, so it is not text to find
