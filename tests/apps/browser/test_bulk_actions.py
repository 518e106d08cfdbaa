"""Bulk actions on ticked cards, as the browser posts them: what they change, who may, and that errors change nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse

from apps.browser.forms import MAX_BULK_CARDS
from apps.cards.models import Card, Note
from apps.cards.note_services import note_create, note_type_builtin, note_type_create
from apps.cards.services import card_create, deck_create
from apps.study.models import CardMark, CardState
from knowledge_tracing.anki.note_types import CardTemplate, NoteTypeSpec
from tests.apps.browser.conftest import studied

pytestmark = pytest.mark.django_db

BULK = reverse("browser:bulk_action")


def post(client, cards, action, **fields):
    return client.post(BULK, {"cards": [str(card.uuid) for card in cards], "action": action, **fields})


def marks(learner) -> dict[str, tuple]:
    return {
        mark.card.front: (mark.suspended, mark.buried_until is not None, mark.flag)
        for mark in CardMark.objects.filter(learner=learner).select_related("card")
    }


def snapshot() -> list[tuple]:
    """Everything a bulk action could change: cards, notes, states and marks."""
    return [
        sorted(Card.all_objects.values_list("pk", "deck_id", "tags", "deleted_at", "front")),
        sorted(Note.all_objects.values_list("pk", "tags", "deleted_at")),
        sorted(CardState.objects.values_list("pk", "deck_id")),
        sorted(CardMark.objects.values_list("learner_id", "card_id", "suspended", "buried_until", "flag")),
    ]


def test_suspend_and_unsuspend_then_return_to_the_same_search(owner, collection, web_client_for):
    client = web_client_for(owner)
    cards = collection.cards
    response = post(client, [cards["hola"], cards["ser"]], "suspend", q="deck:Languages", sort="due", order="desc", page="1")
    assert response.status_code == 302
    assert response.url == reverse("browser:browse") + "?q=deck%3ALanguages&sort=due&order=desc&page=1"
    assert marks(owner) == {"hola": (True, False, 0), "ser": (True, False, 0)}
    assert "Suspended 2 cards." in client.get(response.url).content.decode()

    post(client, [cards["hola"]], "unsuspend")
    assert marks(owner)["hola"] == (False, False, 0)


def test_flag_bury_and_unbury(owner, collection, web_client_for):
    client = web_client_for(owner)
    cards = collection.cards
    post(client, [cards["chat"], cards["paris"]], "flag", flag="3")
    post(client, [cards["chat"]], "bury")
    assert marks(owner) == {"le chat": (False, True, 3), cards["paris"].front: (False, False, 3)}
    post(client, [cards["chat"]], "flag", flag="0")
    post(client, [cards["chat"]], "unbury")
    assert marks(owner)["le chat"] == (False, False, 0)


def test_a_learner_marks_a_public_decks_cards_for_themselves_only(other_learner, instructor, public_deck, web_client_for):
    shared = list(public_deck.cards.all()[:2])
    assert post(web_client_for(other_learner), shared, "suspend").status_code == 302
    assert len(marks(other_learner)) == 2 and marks(instructor) == {}


def test_tags_are_added_to_and_removed_from_the_notes(owner, collection, web_client_for):
    client = web_client_for(owner)
    reversed_note = note_create(
        owner=owner, deck=collection.french, note_type=note_type_builtin(name="Basic (and reversed card)"),
        field_values=["le chien", "the dog"], tags=["animal"],
    )
    front_card = reversed_note.cards.get(ord=0)
    response = post(client, [collection.cards["hola"], front_card], "add_tags", tags="Core, travel")
    assert response.status_code == 302
    assert Note.objects.get(pk=reversed_note.pk).tags == ["animal", "core", "travel"]
    assert [card.tags for card in reversed_note.cards.order_by("ord")] == [["animal", "core", "travel"]] * 2, "both cards of the note"
    assert Card.objects.get(pk=collection.cards["hola"].pk).tags == ["greeting", "core", "travel"]

    post(client, [front_card, collection.cards["ser"]], "remove_tags", tags="animal core")
    assert Note.objects.get(pk=reversed_note.pk).tags == ["travel"]
    assert Card.objects.get(pk=collection.cards["ser"].pk).tags == ["verb::irregular"]


def test_move_puts_cards_and_every_learners_state_in_the_deck(owner, other_learner, collection, web_client_for):
    target = deck_create(owner=owner, title="Languages::Review later")
    state = studied(owner, collection.cards["comer"], due_in=timedelta(days=1))
    response = post(web_client_for(owner), [collection.cards["comer"], collection.cards["chat"]], "move", deck=str(target.uuid))
    assert response.status_code == 302
    assert set(target.cards.values_list("front", flat=True)) == {"comer", "le chat"}
    state.refresh_from_db()
    assert state.deck_id == target.pk


def test_delete_asks_first_then_deletes_the_notes(owner, collection, web_client_for):
    client = web_client_for(owner)
    before = snapshot()
    asked = post(client, [collection.cards["hola"], collection.cards["paris"]], "delete", q="tag:geo")
    assert asked.status_code == 200
    assert "Delete 2 notes" in asked.content.decode() and 'name="confirmed" value="1"' in asked.content.decode()
    assert snapshot() == before, "asking deletes nothing"

    done = post(client, [collection.cards["hola"], collection.cards["paris"]], "delete", confirmed="1", q="tag:geo")
    assert done.status_code == 302
    assert not Card.objects.filter(pk__in=[collection.cards["hola"].pk, collection.cards["paris"].pk]).exists()
    assert not Note.objects.filter(pk=collection.cards["paris"].note_id).exists()
    assert Card.objects.filter(pk=collection.cards["ser"].pk).exists()


@pytest.mark.parametrize(
    ("action", "fields"),
    [
        ("suspend", {}), ("flag", {"flag": "1"}), ("bury", {}), ("add_tags", {"tags": "x"}), ("remove_tags", {"tags": "greeting"}),
        ("move", {}), ("delete", {"confirmed": "1"}),
    ],
)
def test_a_strangers_card_among_the_ticked_ones_is_a_404_and_changes_nothing(owner, other_learner, collection, web_client_for, action, fields):
    strangers_deck = deck_create(owner=other_learner, title="Mine")
    strangers_card = card_create(deck=strangers_deck, front="private", back="b", tags=[])
    if action == "move":
        fields = {"deck": str(collection.french.uuid)}
    before = snapshot()
    response = post(web_client_for(owner), [collection.cards["hola"], strangers_card], action, **fields)
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(("action", "fields"), [("add_tags", {"tags": "x"}), ("move", {}), ("delete", {"confirmed": "1"})])
def test_a_public_decks_cards_can_be_marked_but_not_changed_by_others(other_learner, public_deck, web_client_for, action, fields):
    own = deck_create(owner=other_learner, title="Mine")
    if action == "move":
        fields = {"deck": str(own.uuid)}
    before = snapshot()
    assert post(web_client_for(other_learner), list(public_deck.cards.all()[:1]), action, **fields).status_code == 404
    assert snapshot() == before


def test_cards_move_only_to_the_users_own_decks(owner, other_learner, collection, web_client_for, public_deck):
    before = snapshot()
    response = post(web_client_for(owner), [collection.cards["hola"]], "move", deck=str(public_deck.uuid))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("cards", "action", "fields", "message"),
    [
        ([], "suspend", {}, "Tick at least one card."),
        (["not-a-uuid"], "suspend", {}, "is not a card id"),
        (["hola"], "dance", {}, "Select a valid choice"),
        (["hola"], "flag", {}, "Choose the flag to set"),
        (["hola"], "flag", {"flag": "9"}, "Select a valid choice"),
        (["hola"], "add_tags", {"tags": "  "}, "Write the tags to add or remove."),
        (["hola"], "add_tags", {"tags": "bad<tag>"}, "may only contain letters"),
        (["hola"], "add_tags", {"tags": "t" * 501}, "at most 500 characters"),
        (["hola"], "move", {}, "Choose the deck to move the cards to."),
    ],
)
def test_a_bad_bulk_form_says_why_and_changes_nothing(owner, collection, web_client_for, cards, action, fields, message):
    ids = [str(collection.cards[name].uuid) if name in collection.cards else name for name in cards]
    before = snapshot()
    response = web_client_for(owner).post(BULK, {"cards": ids, "action": action, "q": "deck:Languages", **fields})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'value="deck:Languages"' in response.content.decode(), "the search stays as it was"
    assert snapshot() == before


def test_too_many_cards_at_once_is_refused(owner, collection, web_client_for):
    ids = [str(collection.cards["hola"].uuid)] * (MAX_BULK_CARDS + 1)
    response = web_client_for(owner).post(BULK, {"cards": ids, "action": "suspend"})
    assert response.status_code == 400
    assert f"At most {MAX_BULK_CARDS} cards at once" in response.content.decode()
    assert not CardMark.objects.exists()


def test_a_tag_change_that_would_remove_a_card_is_refused_whole(owner, collection, web_client_for):
    """A note type whose second card shows only when the note has tags: taking its tags off would hide that card."""
    spec = NoteTypeSpec(
        name="Tagged reverse", kind="standard", fields=("Front", "Back"),
        templates=(CardTemplate("Card 1", "{{Front}}", "{{Back}}"), CardTemplate("Card 2", "{{#Tags}}{{Back}}{{/Tags}}", "{{Front}}")),
    )
    note = note_create(owner=owner, deck=collection.french, note_type=note_type_create(owner=owner, spec=spec), field_values=["uno", "one"], tags=["num"])
    assert note.cards.count() == 2
    before = snapshot()
    response = post(web_client_for(owner), [collection.cards["chat"], note.cards.get(ord=0)], "remove_tags", tags="num")
    assert response.status_code == 400
    assert "Nothing was changed" in response.content.decode()
    assert snapshot() == before
