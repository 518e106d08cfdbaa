"""Fetch a deck or card for a user and check access in one place: no access reads as 404.

A stranger learns nothing from the response, not even that a private deck exists.
"""

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
    if card is None or not (card.deck.owner_id == user.pk or card.deck.visibility == Deck.Visibility.PUBLIC):
        raise Http404("No such card")
    return card


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
