"""What an Anki collection holds, as plain records: note types, notes, cards, decks, presets, the review log.

The words are Anki's (docs.ankiweb.net, and the column names of its ``cards``, ``notes``
and ``revlog`` tables), decoded from its storage codes: a card's ``type``/``queue`` pair
becomes ``state`` plus ``suspended``/``buried``, day numbers become datetimes, and a
deck's ``A\\x1fB`` (schema 18) becomes ``A::B``. Both the reader and the writer speak
these records, so what is read can be written back unchanged.
"""

from dataclasses import dataclass, field
from datetime import datetime

DECK_SEPARATOR = "::"
DEFAULT_DECK_ID = 1
DEFAULT_PRESET_ID = 1

# Card states (Anki's card ``type``), and the kinds of review-log entry (``revlog.type``).
NEW, LEARNING, REVIEW, RELEARNING = "new", "learning", "review", "relearning"
CARD_STATES = (NEW, LEARNING, REVIEW, RELEARNING)
REVIEW_LEARNING, REVIEW_REVIEW, REVIEW_RELEARNING, REVIEW_FILTERED, REVIEW_MANUAL, REVIEW_RESCHEDULED = range(6)

STANDARD, CLOZE = "standard", "cloze"


@dataclass(frozen=True, slots=True)
class Template:
    """One card template: ``front`` and ``back`` are Anki's question and answer formats (``{{Field}}`` syntax)."""

    name: str
    front: str
    back: str


@dataclass(frozen=True, slots=True)
class NoteType:
    """A note type: ``kind`` is ``standard`` (one card per template) or ``cloze`` (one card per cloze number)."""

    id: int
    name: str
    kind: str
    fields: tuple[str, ...]
    templates: tuple[Template, ...]
    css: str = ""
    sort_field: int = 0
    latex_pre: str = ""
    latex_post: str = ""

    @property
    def is_cloze(self) -> bool:
        return self.kind == CLOZE


@dataclass(frozen=True, slots=True)
class Note:
    """A note: one value per field of its note type (in order), its tags, and Anki's ``guid`` that identifies it across collections."""

    id: int
    guid: str
    note_type_id: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    modified_at: datetime


@dataclass(frozen=True, slots=True)
class MemoryState:
    """FSRS memory state Anki keeps in a card's ``data``: stability (days) and difficulty (1-10)."""

    stability: float
    difficulty: float
    desired_retention: float | None = None
    last_review_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Card:
    """One card of a note: template ``ord`` (the cloze number minus one for cloze notes) and its scheduling state.

    ``deck_id`` is the card's home deck (the original one when it sits in a filtered
    deck). ``due_at`` is set for learning and review cards, ``new_position`` for new ones.
    ``ease`` is Anki's ease factor (2.5 = 250%), None when unset; ``flag`` is 0 (none) to 7.
    """

    id: int
    note_id: int
    ord: int
    deck_id: int
    state: str
    suspended: bool = False
    buried: bool = False
    due_at: datetime | None = None
    new_position: int | None = None
    interval_days: int = 0
    ease: float | None = None
    reps: int = 0
    lapses: int = 0
    memory: MemoryState | None = None
    flag: int = 0
    modified_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DeckPreset:
    """A deck options preset: daily limits, learning and relearning steps (minutes), target retention."""

    id: int
    name: str
    new_per_day: int = 20
    reviews_per_day: int = 200
    learn_steps_minutes: tuple[float, ...] = (1.0, 10.0)
    relearn_steps_minutes: tuple[float, ...] = (10.0,)
    desired_retention: float | None = None
    maximum_interval_days: int = 36500
    bury_new: bool = False
    bury_reviews: bool = False


@dataclass(frozen=True, slots=True)
class Deck:
    """A deck with its full ``A::B::C`` name; ``parent_id`` is None for a top-level deck (or when its parent is absent)."""

    id: int
    name: str
    parent_id: int | None = None
    preset_id: int | None = None
    filtered: bool = False
    description: str = ""

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.name.split(DECK_SEPARATOR))


@dataclass(frozen=True, slots=True)
class Review:
    """One review-log entry. ``rating`` 1-4 is an answer; 0 (with ``kind`` manual or rescheduled) is not.

    ``interval`` and ``last_interval`` are as Anki stores them: days when positive,
    seconds when negative. ``ease`` is the factor in permille (2500), 0 when unset.
    """

    id: int
    card_id: int
    reviewed_at: datetime
    rating: int
    interval: int
    last_interval: int
    ease: int
    duration_ms: int
    kind: int

    @property
    def is_answer(self) -> bool:
        """Whether a learner answered: a rating of 1-4 and not a manual reschedule (as the open SRS benchmark counts)."""
        return 1 <= self.rating <= 4 and self.kind != REVIEW_MANUAL


def answers(reviews: list[Review]) -> list[Review]:
    """The entries that are answers, dropping manual reschedules and rating-0 entries as the open SRS benchmark does."""
    return [review for review in reviews if review.is_answer]


@dataclass
class Collection:
    """Everything of one collection (or package); ids are Anki's, so cards, notes, decks and reviews refer to each other."""

    created_at: datetime
    note_types: dict[int, NoteType] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)
    decks: dict[int, Deck] = field(default_factory=dict)
    presets: dict[int, DeckPreset] = field(default_factory=dict)
    reviews: list[Review] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def deck_preset(self, deck: Deck) -> DeckPreset | None:
        return self.presets.get(deck.preset_id) if deck.preset_id is not None else None


@dataclass(frozen=True, slots=True)
class MediaEntry:
    """A media file a package lists: its file ``name`` (as notes refer to it) and the zip entry that holds its bytes."""

    name: str
    archive_entry: str
    size: int
