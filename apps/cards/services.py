"""Writes for decks and cards. Deleting only hides a deck or card, so its study logs stay valid."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.cards.content import content_hash
from apps.cards.deck_files.records import CardRow
from apps.cards.deck_names import (
    CONTROL_CHARACTERS,
    DECK_NAME_MAX_CHARS,
    SEPARATOR,
    DeckNameError,
    deck_name,
    is_within,
    parent_names,
    same_deck_name,
)
from apps.cards.models import Card, Deck
from apps.cards.note_services import (
    BasicCardText,
    NoteInvalid,
    basic_notes_bulk_create,
    cards_render_again,
    deck_cards_and_notes_hide,
    note_create,
    note_delete,
    note_type_builtin,
    note_update,
)
from apps.cards.selectors import deck_subtree
from apps.cards.signals import cards_imported
from knowledge_tracing.anki.note_types import BASIC


def deck_create(*, owner, title: str, description: str = "", visibility: str = Deck.Visibility.PRIVATE) -> Deck:
    """A deck named ``title``; ``A::B::C`` goes under ``A::B``, made (private, empty) with ``A`` when missing.

    DeckNameError when the name is not usable or the owner already has a deck of that name.
    """
    name = deck_name(title)
    with transaction.atomic():
        if _live_deck_named(owner.pk, name) is not None:
            raise DeckNameError(f"you already have a deck named “{name}”")
        parent = _deck_path_ensure(owner, parent_names(name)[-1]) if SEPARATOR in name else None
        return _saved_deck(Deck(owner=owner, title=name, parent=parent, description=description, visibility=visibility))


def deck_path_ensure(*, owner, title: str) -> Deck:
    """The owner's deck named ``title``, created with its missing parents (private, empty) when there is none (for imports)."""
    with transaction.atomic():
        return _deck_path_ensure(owner, deck_name(title))


def _live_deck_named(owner_id: int, name: str) -> Deck | None:
    return Deck.objects.filter(owner_id=owner_id, title__iexact=name).first()


def deck_name_unused(*, owner, title: str) -> str:
    """``title`` as a deck name (made usable), or ``title (2)``, ``(3)``... when the owner has a deck of that name."""
    name = SEPARATOR.join(part.strip() for part in title.split(SEPARATOR) if part.strip())[:DECK_NAME_MAX_CHARS - 10] or "Imported deck"
    name = CONTROL_CHARACTERS.sub(" ", name)
    candidate, number = name, 1
    while _live_deck_named(owner.pk, candidate) is not None:
        number += 1
        candidate = f"{name} ({number})"
    return candidate


def _deck_path_ensure(owner, name: str) -> Deck:
    parent = None
    for title in [*parent_names(name), name]:
        parent = _live_deck_named(owner.pk, title) or _saved_deck(Deck(owner=owner, title=title, parent=parent))
    return parent


def _saved_deck(deck: Deck) -> Deck:
    """Insert the deck; a deck of the same name created meanwhile (the unique constraint) is a DeckNameError."""
    try:
        with transaction.atomic():
            deck.save()
    except IntegrityError as error:
        raise DeckNameError(f"you already have a deck named “{deck.title}”") from error
    return deck


def deck_update(*, deck: Deck, title: str, description: str, visibility: str) -> Deck:
    """Change the deck; a new name moves it, with every deck below it, under the parent the name gives (made when missing).

    DeckNameError when the name is not usable, is taken, or would put the deck inside itself.
    """
    name = deck_name(title)
    with transaction.atomic():
        deck = Deck.objects.select_for_update().get(pk=deck.pk)
        moved = _deck_move(deck, name) if name != deck.title else []
        deck.description, deck.visibility = description, visibility
        deck.save(update_fields=["title", "parent", "description", "visibility", "updated_at"])
        cards_render_again(decks=moved)
    return deck


def _deck_move(deck: Deck, name: str) -> list[Deck]:
    """Rename the deck (unsaved) and the decks below it (saved); returns them all."""
    old = deck.title
    if not same_deck_name(name, old):
        if is_within(name, old):
            raise DeckNameError(f"“{old}” cannot be moved inside itself")
        if _live_deck_named(deck.owner_id, name) is not None:
            raise DeckNameError(f"you already have a deck named “{name}”")
    descendants = list(deck_subtree(deck).exclude(pk=deck.pk))
    deck.parent = _deck_path_ensure(deck.owner, parent_names(name)[-1]) if SEPARATOR in name else None
    deck.title = name
    for below in descendants:
        below.title = name + below.title[len(old) :]
    Deck.objects.bulk_update(descendants, ["title"])  # no clash: "C::X" cannot exist while "C" does not
    return [deck, *descendants]


def deck_delete(*, deck: Deck) -> None:
    """Hide the deck, every deck below it, their cards and the notes left without a card; their logs remain."""
    now = timezone.now()
    with transaction.atomic():
        deck_ids = list(deck_subtree(deck).values_list("pk", flat=True))
        deck_cards_and_notes_hide(deck_ids=deck_ids, now=now)
        Deck.objects.filter(pk__in=deck_ids).update(deleted_at=now)


def card_create(*, deck: Deck, front: str, back: str, tags: list[str]) -> Card:
    """A card typed as front and back: the one card of a new Basic note."""
    note = note_create(owner=deck.owner, deck=deck, note_type=note_type_builtin(name=BASIC.name), field_values=[front, back], tags=tags)
    return note.cards.get()


def card_update(*, card: Card, front: str, back: str, tags: list[str]) -> Card:
    """Change a Basic note's card by its front and back; logs keep pointing at the card, and the content hash follows the text."""
    if card.note.note_type.name != BASIC.name or card.note.note_type.owner_id is not None:
        raise NoteInvalid("only a Basic note's card is edited by its front and back; edit its note")
    note_update(note=card.note, field_values=[front, back], tags=tags)
    card.refresh_from_db()
    return card


def card_delete(*, card: Card) -> None:
    """Delete the card's note, as Anki deletes notes (a note's cards go together)."""
    note_delete(note=card.note)


@transaction.atomic
def deck_import_cards(*, deck: Deck, rows: list[CardRow]) -> int:
    """Add the rows whose text the deck does not hold yet, each as a Basic note (safe to repeat); return how many were added."""
    known = set(Card.objects.filter(deck=deck).values_list("content_hash", flat=True))
    added = []
    for row in rows:
        digest = content_hash(row.front, row.back)
        if digest in known:
            continue
        known.add(digest)
        added.append(BasicCardText(deck=deck, front=row.front, back=row.back, tags=row.tags))
    basic_notes_bulk_create(cards=added)
    if added:
        cards_imported.send(sender=Deck, deck=deck)
    return len(added)
