"""Reads for decks and cards."""

from django.db.models import Count, Q

from apps.cards.access import visible_decks
from apps.cards.models import Card, Deck


def deck_list_for(user):
    """Decks the user may study, with their live card counts, own decks first."""
    return (
        visible_decks(user)
        .select_related("owner")
        .annotate(card_count=Count("cards", filter=Q(cards__deleted_at__isnull=True)))
        .order_by("title", "id")
    )


def deck_cards(deck: Deck):
    """The deck's live cards in deck order."""
    return Card.objects.filter(deck=deck).order_by("id")
