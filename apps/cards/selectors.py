"""Reads for decks and cards."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse

from apps.cards.access import visible_decks
from apps.cards.deck_files.records import CardRow, MediaFile, ReviewRow
from apps.cards.models import Card, Deck
from apps.study.models import StudyLog


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


@dataclass(frozen=True)
class DeckExport:
    cards: list[CardRow]
    reviews: list[ReviewRow]
    media: list[MediaFile]


def deck_export_records(deck: Deck, *, learner=None, with_media: bool = False) -> DeckExport:
    """The deck's live cards, and the learner's live answers if asked.

    ``with_media`` adds the deck's media files and points the cards' links at their file
    names again, as a package carries them; otherwise links keep the URLs that serve
    them. ``CardRow.anki_card_id`` holds the card's primary key, the key its ReviewRows use.
    """
    media = list(deck.media.order_by("name")) if with_media else []
    urls = {reverse("cards:deck_media", kwargs={"deck_uuid": deck.uuid, "name": item.name}): item.name for item in media}

    def portable(text: str) -> str:
        for url, name in urls.items():
            text = text.replace(f'src="{url}"', f'src="{name}"')
        return text

    cards = [
        CardRow(front=portable(card.front), back=portable(card.back), tags=card.tags, source=str(card.uuid), subdeck=card.subdeck, anki_card_id=card.pk)
        for card in deck_cards(deck)
    ]
    reviews = []
    if learner is not None:
        logs = StudyLog.objects.live().filter(learner=learner, deck=deck, card__deleted_at__isnull=True)
        reviews = [
            ReviewRow(anki_card_id=card_id, answered_at=answered_at, grade=grade, response_ms=response_ms)
            for card_id, answered_at, grade, response_ms in logs.order_by("answered_at", "id").values_list(
                "card_id", "answered_at", "grade", "response_ms"
            )
        ]
    files = []
    for item in media:
        with item.file.open("rb") as handle:
            files.append(MediaFile(name=item.name, data=handle.read()))
    return DeckExport(cards=cards, reviews=reviews, media=files)
