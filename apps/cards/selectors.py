"""Reads for decks and cards."""

from django.db.models import Count, Q, QuerySet

from apps.cards.access import deck_open_condition, visible_decks
from apps.cards.deck_names import SEPARATOR
from apps.cards.models import Card, Deck


def deck_subtree(deck: Deck, *, open_to=None) -> QuerySet:
    """The deck and every live deck below it; with ``open_to``, only the decks below it that this user may study.

    The one definition of "a deck and its children" that studying, counting, exporting
    and deleting a parent deck use. ``deck`` itself is always in (whoever asks has been
    let in already); access stays per deck below it: a public parent does not open its
    private children to others, and a private parent does not close a public child.
    """
    below = Q(owner_id=deck.owner_id, title__startswith=deck.title + SEPARATOR)
    if open_to is not None:
        below &= deck_open_condition(open_to)
    return Deck.objects.filter(Q(pk=deck.pk) | below)


def deck_list_for(user):
    """Decks the user may study, with their live card counts, own decks first."""
    return (
        visible_decks(user)
        .select_related("owner")
        .annotate(card_count=Count("cards", filter=Q(cards__deleted_at__isnull=True)))
        .order_by("title", "id")
    )


def deck_cards(deck: Deck, *, viewer=None):
    """The live cards of the deck and the decks below it (those ``viewer`` may study, when given), in deck order."""
    return Card.objects.filter(deck__in=deck_subtree(deck, open_to=viewer)).select_related("deck").order_by("id")
