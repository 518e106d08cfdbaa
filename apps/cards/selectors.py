"""Reads for decks and cards."""

import re
from dataclasses import dataclass
from urllib.parse import unquote
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from apps.cards.access import deck_open_condition, visible_decks
from apps.cards.deck_files.records import CardRow, MediaFile, ReviewRow
from apps.cards.deck_names import SEPARATOR
from apps.cards.models import Card, Deck, DeckMedia
from apps.study.models import StudyLog


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


@dataclass(frozen=True)
class DeckExport:
    cards: list[CardRow]
    reviews: list[ReviewRow]
    media: list[MediaFile]


def deck_export_records(deck: Deck, *, viewer=None, learner=None, with_media: bool = False) -> DeckExport:
    """The live cards of the deck and the decks below it (those ``viewer`` may study, when given), and the learner's live answers to them if asked.

    Links to media served by Mnemo become the files' names again, as a package or a
    CSV file carries them; ``with_media`` adds the files themselves (those of the
    deck owner's decks that the cards show). ``CardRow.subdeck`` is the full name of
    the card's deck; ``CardRow.anki_card_id`` holds the card's primary key, the key its
    ReviewRows use.
    """
    linked: set[tuple[str, str]] = set()
    media_link = _media_link_pattern()

    def portable(text: str) -> str:
        def file_name(match: re.Match) -> str:
            deck_uuid, name = match.group(2), unquote(match.group(3))
            linked.add((deck_uuid, name))
            return f'{match.group(1)}"{name}"'

        return media_link.sub(file_name, text)

    cards = [
        CardRow(
            front=portable(card.front), back=portable(card.back), tags=card.tags, source=str(card.uuid),
            subdeck=card.deck.title, anki_card_id=card.pk,
        )
        for card in deck_cards(deck, viewer=viewer)
    ]
    reviews = []
    if learner is not None:
        logs = StudyLog.objects.live().filter(learner=learner, card__deck__in=deck_subtree(deck, open_to=viewer), card__deleted_at__isnull=True)
        reviews = [
            ReviewRow(anki_card_id=card_id, answered_at=answered_at, grade=grade, response_ms=response_ms)
            for card_id, answered_at, grade, response_ms in logs.order_by("answered_at", "id").values_list(
                "card_id", "answered_at", "grade", "response_ms"
            )
        ]
    files = []
    if with_media and linked:
        wanted = Q()
        for deck_uuid, name in linked:
            wanted |= Q(deck__uuid=deck_uuid, name=name)
        for item in DeckMedia.objects.filter(wanted, deck__owner_id=deck.owner_id).order_by("name", "id"):
            if item.name not in {media.name for media in files}:
                with item.file.open("rb") as handle:
                    files.append(MediaFile(name=item.name, data=handle.read()))
    return DeckExport(cards=cards, reviews=reviews, media=files)


def _media_link_pattern() -> re.Pattern:
    """``src="<a deck's media URL>"``: group 2 is the deck's UUID, group 3 the file name as the URL quotes it."""
    example = reverse("cards:deck_media", kwargs={"deck_uuid": UUID(int=0), "name": "NAME"})
    prefix, suffix = example.split(str(UUID(int=0)))
    return re.compile(
        r'(src=)"' + re.escape(prefix) + r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
        + re.escape(suffix.removesuffix("NAME")) + r'([^"/]+)"',
        re.IGNORECASE,
    )
