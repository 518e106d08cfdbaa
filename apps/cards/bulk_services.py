"""Writes on many of an owner's cards at once (the card browser's bulk actions): tags, moving to a deck, deleting notes.

Callers fetch the cards with ``apps.cards.access.cards_for_owner`` (404 for any card not
the user's) and call these inside one transaction, so an action that fails part-way
(``BulkActionRefused``) leaves every card as it was. Tags and deletion act on notes, as
in Anki: a tag added to one card of a note is the note's tag, and deleting a card
deletes its note with its other cards.
"""

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from apps.cards.models import Card, Deck, Note
from apps.cards.note_services import NoteChangeNeedsConfirmation, NoteInvalid, cards_render_again, note_delete, note_update
from apps.cards.signals import cards_moved


class BulkActionRefused(ValueError):
    """A bulk action that cannot be done as asked; nothing was changed, and the message says why."""


def _notes_of(cards: Sequence[Card]) -> list[Note]:
    return list(Note.objects.filter(pk__in={card.note_id for card in cards}).select_related("note_type").order_by("id"))


def cards_tags_change(*, cards: Sequence[Card], add: Sequence[str] = (), remove: Sequence[str] = ()) -> int:
    """Add and remove tags on the cards' notes (their cards render again); how many notes changed."""
    changed = 0
    with transaction.atomic():
        for note in _notes_of(cards):
            tags = [tag for tag in note.tags if tag not in remove]
            tags += [tag for tag in add if tag not in tags]
            if tags == note.tags:
                continue
            try:
                note_update(note=note, field_values=note.field_values, tags=tags)
            except NoteChangeNeedsConfirmation as error:
                raise BulkActionRefused(f"the note of “{error.cards[0].front[:60]}” shows its tags in its templates, and this change would remove a card of it; edit that note on its own") from None
            except NoteInvalid as error:
                raise BulkActionRefused(f"a note cannot be saved with these tags: {error}") from None
            changed += 1
    return changed


def cards_move(*, cards: Sequence[Card], deck: Deck) -> int:
    """Put the cards in ``deck`` (one of their owner's), with every learner's state of them; how many cards."""
    if any(card.deck.owner_id != deck.owner_id for card in cards):
        raise BulkActionRefused("cards can only move to a deck of their owner's")
    card_ids = [card.pk for card in cards]
    with transaction.atomic():
        Card.objects.filter(pk__in=card_ids).update(deck=deck, updated_at=timezone.now())
        cards_moved.send(sender=Deck, deck=deck, card_ids=card_ids)
        cards_render_again(decks=[deck])
    return len(card_ids)


def cards_notes_delete(*, cards: Sequence[Card]) -> int:
    """Delete the cards' notes with all their cards (their logs remain); how many notes."""
    notes = _notes_of(cards)
    with transaction.atomic():
        for note in notes:
            note_delete(note=note)
    return len(notes)
