"""An Anki file's answers as study-log rows: which card, when, the grade, its text and its deck.

What ``python -m knowledge_tracing evaluate --format anki`` reads. The file is opened by
the reader the app's import uses (``reader.open_anki_file``), the review log keeps only
answers (``records.answers``: manual reschedules and rating-0 entries dropped, as the
open spaced-repetition benchmark drops them), and each card's text is what Anki shows:
its note rendered through its template by the same renderer the import uses
(``note_types.render_note_card``), front then back, as plain text (HTML removed), for
the sentence encoder. A card's concept is its home deck's full name.

Answers of cards the collection no longer holds (deleted since) have neither text nor
deck, and are left out; ``AnkiStudyRows.left_out`` says how many.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from knowledge_tracing.anki.limits import ReadLimits
from knowledge_tracing.anki.note_types import note_type_spec, render_note_card
from knowledge_tracing.anki.reader import open_anki_file
from knowledge_tracing.anki.records import Card, Collection, Note, Review, answers
from knowledge_tracing.anki.templates import TemplateError, plain_text

WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class AnkiStudyRows:
    """The answers of cards present (time order), each card's text and deck, and the answers left out."""

    reviews: list[Review]
    card_text: dict[int, str]
    card_deck: dict[int, str]
    left_out: int


def read_study_rows(path: Path, *, limits: ReadLimits | None = None) -> AnkiStudyRows:
    """The answers, card texts and decks of one Anki package or collection file (AnkiFileError if unreadable)."""
    with open_anki_file(path, limits=limits) as anki_file:
        collection = anki_file.collection
    cards = {card.id: card for card in collection.cards}
    notes = {note.id: note for note in collection.notes}
    answered = answers(collection.reviews)
    kept = [review for review in answered if review.card_id in cards]
    reviewed = [cards[card_id] for card_id in dict.fromkeys(review.card_id for review in kept)]
    decks = {card.id: _deck_name(collection, card) for card in reviewed}
    return AnkiStudyRows(
        reviews=kept,
        card_text={card.id: card_text(collection, notes[card.note_id], card, deck=decks[card.id]) for card in reviewed},
        card_deck=decks,
        left_out=len(answered) - len(kept),
    )


def card_text(collection: Collection, note: Note, card: Card, *, deck: str) -> str:
    """The card's rendered front and back as plain text, one line each; "" when its template cannot be rendered."""
    spec = note_type_spec(collection.note_types[note.note_type_id])
    try:
        rendered = render_note_card(spec, note.fields, card.ord, tags=note.tags, deck=deck)
    except (TemplateError, IndexError, ValueError):
        return ""
    return "\n".join(WHITESPACE.sub(" ", plain_text(side)).strip() for side in (rendered.question, rendered.back))


def _deck_name(collection: Collection, card: Card) -> str:
    deck = collection.decks.get(card.deck_id)
    return deck.name if deck is not None else f"deck {card.deck_id}"
