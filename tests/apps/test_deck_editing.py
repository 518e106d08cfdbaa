"""Owners create, edit and delete decks and cards in the browser; edits never rewrite study logs."""

import uuid

from django.urls import reverse

from apps.cards.content import content_hash
from apps.cards.models import Card, Deck
from apps.study.models import StudyLog
from apps.study.services import shown_card_choose_next, study_log_record


def test_create_a_deck_and_add_a_card(owner, web_client_for):
    client = web_client_for(owner)
    response = client.post(reverse("cards:deck_create"), {"title": "Rivers", "description": "", "visibility": "private"})
    deck = Deck.objects.get(title="Rivers")
    assert response.url == reverse("cards:deck_detail", kwargs={"deck_uuid": deck.uuid})
    client.post(reverse("cards:card_create", kwargs={"deck_uuid": deck.uuid}), {"front": "Longest river?", "back": "Nile", "tags": "Geography, rivers"})
    card = Card.objects.get(deck=deck)
    assert card.tags == ["geography", "rivers"]
    assert card.content_hash == content_hash("Longest river?", "Nile")


def test_bad_tags_are_refused_with_a_message(owner, private_deck, web_client_for):
    response = web_client_for(owner).post(
        reverse("cards:card_create", kwargs={"deck_uuid": private_deck.uuid}), {"front": "a", "back": "b", "tags": "ok, <bad>"}
    )
    assert response.status_code == 200
    assert "may only contain letters" in response.content.decode()
    assert private_deck.cards.count() == 12


def test_editing_a_studied_card_keeps_its_logs_and_updates_its_hash(owner, private_deck, web_client_for):
    shown = shown_card_choose_next(learner=owner, deck=private_deck)
    study_log_record(learner=owner, card=shown.card, log_uuid=uuid.uuid4(), grade=3, response_ms=700)
    log_before = StudyLog.objects.values().get()
    card = shown.card
    web_client_for(owner).post(reverse("cards:card_edit", kwargs={"card_uuid": card.uuid}), {"front": "New front", "back": "New back", "tags": ""})
    card.refresh_from_db()
    assert (card.front, card.content_hash) == ("New front", content_hash("New front", "New back"))
    assert StudyLog.objects.values().get() == log_before


def test_deleting_hides_cards_and_decks_but_keeps_logs(owner, private_deck, web_client_for):
    shown = shown_card_choose_next(learner=owner, deck=private_deck)
    study_log_record(learner=owner, card=shown.card, log_uuid=uuid.uuid4(), grade=3, response_ms=700)
    client = web_client_for(owner)
    client.post(reverse("cards:card_delete", kwargs={"card_uuid": shown.card.uuid}))
    assert private_deck.cards.count() == 11
    assert client.get(reverse("cards:card_edit", kwargs={"card_uuid": shown.card.uuid})).status_code == 404
    client.post(reverse("cards:deck_delete", kwargs={"deck_uuid": private_deck.uuid}))
    assert client.get(reverse("cards:deck_detail", kwargs={"deck_uuid": private_deck.uuid})).status_code == 404
    assert StudyLog.objects.get().card_id == shown.card.id
    assert Deck.all_objects.get(pk=private_deck.pk).deleted_at is not None
