"""Fetch a deck or card for a user and check access in one place: no access reads as 404.

A stranger learns nothing from the response, not even that a private deck exists.
"""

import uuid

from django.db.models import Q
from django.http import Http404

from apps.cards.models import Card, Deck, DeckImport, Note


def deck_open_condition(user, *, through: str = "") -> Q:
    """The filter for decks the user may study (their own, or public); ``through`` names the path to the deck, e.g. ``"deck__"``."""
    return Q(**{f"{through}owner": user}) | Q(**{f"{through}visibility": Deck.Visibility.PUBLIC})


def visible_decks(user):
    """Decks the user may study: their own and every public deck."""
    return Deck.objects.filter(deck_open_condition(user))


def deck_open_to(deck: Deck, user_id: int) -> bool:
    """Whether the user may study (and hand out) the deck: it is theirs, or public; as ``visible_decks``."""
    return deck.owner_id == user_id or deck.visibility == Deck.Visibility.PUBLIC


def deck_for_study(user, deck_uuid) -> Deck:
    """A deck the user may study (own or public), else 404."""
    deck = Deck.objects.select_related("owner").filter(uuid=deck_uuid).first()
    if deck is None or not deck_open_to(deck, user.pk):
        raise Http404("No such deck")
    return deck


def deck_for_owner(user, deck_uuid) -> Deck:
    """A deck the user owns (to edit or delete), else 404."""
    deck = Deck.objects.filter(uuid=deck_uuid).first()
    if deck is None or deck.owner_id != user.pk:
        raise Http404("No such deck")
    return deck


def card_for_study(user, card_uuid) -> Card:
    """A live card of a deck the user may study, else 404."""
    card = Card.objects.select_related("deck").filter(uuid=card_uuid, deck__deleted_at__isnull=True).first()
    if card is None or not deck_open_to(card.deck, user.pk):
        raise Http404("No such card")
    return card


def cards_for_study(user, card_uuids) -> list[Card]:
    """The live cards of decks the user may study, one per UUID given; 404 when any one is not such a card.

    For actions on many cards at once: a stranger's card (or a malformed id) among them
    refuses the whole request before anything is touched.
    """
    return _cards_all_or_404(card_uuids, deck_open_condition(user, through="deck__"))


def cards_for_owner(user, card_uuids) -> list[Card]:
    """The live cards of decks the user owns (to tag, move or delete), one per UUID given; 404 when any one is not such a card."""
    return _cards_all_or_404(card_uuids, Q(deck__owner=user))


def _cards_all_or_404(card_uuids, allowed: Q) -> list[Card]:
    try:
        wanted = {uuid.UUID(str(card_uuid)) for card_uuid in card_uuids}
    except ValueError:
        raise Http404("No such card") from None
    cards = list(Card.objects.select_related("deck").filter(allowed, uuid__in=wanted, deck__deleted_at__isnull=True))
    if len(cards) != len(wanted):
        raise Http404("No such card")
    return cards


def card_open_to(card: Card, user_id: int) -> bool:
    """Whether the user may study the card: it and its deck are live and the deck is open to them (``card_for_study``)."""
    return card.deleted_at is None and card.deck.deleted_at is None and deck_open_to(card.deck, user_id)


def card_for_owner(user, card_uuid) -> Card:
    """A live card of a deck the user owns, else 404."""
    card = Card.objects.select_related("deck").filter(uuid=card_uuid, deck__deleted_at__isnull=True).first()
    if card is None or card.deck.owner_id != user.pk:
        raise Http404("No such card")
    return card


def note_for_owner(user, note_uuid) -> Note:
    """A live note of the user's (to edit or delete), else 404."""
    note = Note.objects.select_related("note_type").filter(uuid=note_uuid).first()
    if note is None or note.owner_id != user.pk:
        raise Http404("No such note")
    return note


def deck_import_for_owner(user, import_uuid):
    """An upload the user made (to preview, confirm or follow), else 404."""
    deck_import = DeckImport.objects.filter(uuid=import_uuid).first()
    if deck_import is None or deck_import.owner_id != user.pk:
        raise Http404("No such import")
    return deck_import
