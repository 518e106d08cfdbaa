"""What a deck file holds once read: cards, the review history and media, as plain records."""

from dataclasses import dataclass, field
from datetime import datetime


class DeckFileError(ValueError):
    """A file that cannot be imported; the message names the row or the package entry."""


@dataclass(frozen=True)
class CardRow:
    """One card to create. ``source`` names where it came from (``line 3``, ``note 17 card 2``)."""

    front: str
    back: str
    tags: list[str]
    source: str
    subdeck: str = ""
    anki_card_id: int | None = None


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
