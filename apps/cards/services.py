"""Writes for decks and cards. Deleting only hides a deck or card, so its study logs stay valid."""

from django.db import transaction
from django.utils import timezone

from apps.cards.csv_import import CardRow
from apps.cards.content import content_hash
from apps.cards.models import Card, Deck


def deck_create(*, owner, title: str, description: str = "", visibility: str = Deck.Visibility.PRIVATE) -> Deck:
    return Deck.objects.create(owner=owner, title=title, description=description, visibility=visibility)


def deck_update(*, deck: Deck, title: str, description: str, visibility: str) -> Deck:
    deck.title, deck.description, deck.visibility = title, description, visibility
    deck.save(update_fields=["title", "description", "visibility", "updated_at"])
    return deck


def deck_delete(*, deck: Deck) -> None:
    """Hide the deck and its cards from everyone; their logs remain."""
    now = timezone.now()
    with transaction.atomic():
        Card.objects.filter(deck=deck).update(deleted_at=now)
        deck.deleted_at = now
        deck.save(update_fields=["deleted_at"])


def card_create(*, deck: Deck, front: str, back: str, tags: list[str]) -> Card:
    return Card.objects.create(deck=deck, front=front, back=back, tags=tags)


def card_update(*, card: Card, front: str, back: str, tags: list[str]) -> Card:
    """Change the text; logs keep pointing at the card, and the content hash follows the text."""
    card.front, card.back, card.tags = front, back, tags
    card.save(update_fields=["front", "back", "tags", "updated_at"])
    return card


def card_delete(*, card: Card) -> None:
    card.deleted_at = timezone.now()
    card.save(update_fields=["deleted_at"])


@transaction.atomic
def deck_import_cards(*, deck: Deck, rows: list[CardRow]) -> int:
    """Add the rows whose text the deck does not hold yet (safe to repeat); return how many were added."""
    known = set(Card.objects.filter(deck=deck).values_list("content_hash", flat=True))
    added = []
    for row in rows:
        digest = content_hash(row.front, row.back)
        if digest in known:
            continue
        known.add(digest)
        added.append(Card(deck=deck, front=row.front, back=row.back, tags=row.tags, content_hash=digest))
    Card.objects.bulk_create(added)
    return len(added)
