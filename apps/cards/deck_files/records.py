"""What a deck file holds once read: notes and their note types, cards, the review history and media, as plain records.

A CSV file gives cards only (each becomes a Basic note); an Anki file gives its notes,
their note types and each card's place (note, ordinal, deck) and scheduling state too.
"""

from dataclasses import dataclass, field
from datetime import datetime

from knowledge_tracing.anki.note_types import NoteTypeSpec
from knowledge_tracing.anki.records import Card as AnkiCard


class DeckFileError(ValueError):
    """A file that cannot be imported; the message names the row or the package entry."""


@dataclass(frozen=True)
class CardRow:
    """One card to create. ``source`` names where it came from (``line 3``, ``note 17 card 2``).

    ``subdeck`` is the full name of the deck it goes to (``Spanish::Verbs``); an Anki
    card also names its note (``anki_note_id``) and ordinal, and keeps Anki's
    scheduling state (``schedule``).
    """

    front: str
    back: str
    tags: list[str]
    source: str
    subdeck: str = ""
    anki_card_id: int | None = None
    anki_note_id: int | None = None
    ord: int = 0
    schedule: AnkiCard | None = None


@dataclass(frozen=True)
class ImportedNote:
    """One Anki note to create: its field values as Anki keeps them (media by file name), tags in Mnemo's form."""

    anki_note_id: int
    guid: str
    note_type_key: int
    field_values: list[str]
    tags: list[str]


@dataclass(frozen=True)
class NoteRow:
    """One note to write: its type's name, (field name, value) in field order, tags, and its deck below the exported one ("" for that deck)."""

    note_type: str
    fields: list[tuple[str, str]]
    tags: list[str]
    deck: str


@dataclass(frozen=True)
class ReviewRow:
    """One answer from an Anki review log, to become a study log of the importing learner."""

    anki_card_id: int
    answered_at: datetime
    grade: int
    response_ms: int


@dataclass(frozen=True)
class MediaFile:
    name: str
    data: bytes


@dataclass
class DeckFile:
    """Everything read from one file; ``skipped`` says in words what was left out and why."""

    title: str
    cards: list[CardRow]
    note_count: int
    reviews: list[ReviewRow] = field(default_factory=list)
    media: list[MediaFile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[ImportedNote] = field(default_factory=list)
    note_types: dict[int, NoteTypeSpec] = field(default_factory=dict)

    @property
    def decks(self) -> list[str]:
        """The full names of the decks the cards go to, parents before children."""
        return sorted({card.subdeck for card in self.cards if card.subdeck})
