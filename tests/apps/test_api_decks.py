"""GET /api/v1/decks: own decks and public decks, never another learner's private deck."""

from django.urls import reverse


def test_lists_own_and_public_decks_only(owner, other_learner, private_deck, public_deck, api_client_for):
    owner_titles = {deck["title"]: deck for deck in api_client_for(owner).get(reverse("api:deck_list")).json()["decks"]}
    assert set(owner_titles) == {private_deck.title, public_deck.title}
    assert owner_titles[private_deck.title]["owned"] is True
    assert owner_titles[private_deck.title]["card_count"] == 12

    stranger_titles = [deck["title"] for deck in api_client_for(other_learner).get(reverse("api:deck_list")).json()["decks"]]
    assert stranger_titles == [public_deck.title]
