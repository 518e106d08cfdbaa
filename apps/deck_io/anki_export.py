"""Reads for an Anki export: decks, their notes, note types, cards and a learner's history as the library's records.

``knowledge_tracing.anki.writer`` writes what this returns. Notes go out with their
field values as stored (an imported note as Anki gave it, media by file name), cards
in their decks (full ``A::B`` names) with the learner's scheduling state and marks
(suspended, buried, flag) when their history is asked for, and the learner's live
answers as the review log.

Anki ids: a note or card keeps the time it was made, in milliseconds, as Anki's ids
do (nudged apart when two share one); a note type's id comes from its UUID, so two
exports of one type give Anki the same type; a deck's from its primary key.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from apps.cards.access import visible_decks
from apps.cards.media_links import referenced_media
from apps.cards.models import Card, Deck, DeckMedia, NoteType
from apps.study.models import CardMark, CardState, StudyLog
from knowledge_tracing.anki import records
from knowledge_tracing.anki.records import LEARNING, NEW, RELEARNING, REVIEW, REVIEW_LEARNING, REVIEW_REVIEW

ANKI_STATE = {CardState.State.LEARNING: LEARNING, CardState.State.REVIEW: REVIEW, CardState.State.RELEARNING: RELEARNING}
FIRST_DECK_ID = 2  # Anki's deck 1 is its Default deck
NOTE_TYPE_ID_BASE = 1_000_000_000_000
NOTE_TYPE_ID_SPAN = 9_000_000_000_000


@dataclass
class AnkiExport:
    collection: records.Collection
    media: list[DeckMedia]


def anki_export_records(*, decks: list[Deck], learner=None, viewer=None) -> AnkiExport:
    """The decks' live notes and cards (and ``learner``'s state and answers, when given) as one collection.

    The media are the files the decks hold and those their notes show from other decks
    of the same owner that ``viewer`` may study (every one of the owner's, without a viewer).
    """
    cards = list(
        Card.objects.filter(deck__in=decks, note__deleted_at__isnull=True)
        .select_related("note__note_type", "deck")
        .order_by("note_id", "ord", "id")
    )
    notes = {card.note_id: card.note for card in cards}
    note_types = {note.note_type_id: note.note_type for note in notes.values()}
    specs = {type_id: note_type.spec() for type_id, note_type in _with_fields(note_types).items()}
    type_ids = {type_id: NOTE_TYPE_ID_BASE + note_type.uuid.int % NOTE_TYPE_ID_SPAN for type_id, note_type in note_types.items()}
    note_ids = _time_ids(notes.values())
    card_ids = _time_ids(cards)
    states = _states(learner, cards)
    marks = _marks(learner, cards)
    collection = records.Collection(
        created_at=_collection_start(states.values()),
        note_types={
            type_ids[type_id]: records.NoteType(
                id=type_ids[type_id], name=spec.name, kind=spec.kind, fields=spec.fields, css=spec.css,
                templates=tuple(records.Template(template.name, template.front, template.back) for template in spec.templates),
            )
            for type_id, spec in specs.items()
        },
        notes=[
            records.Note(
                id=note_ids[note.pk], guid=note.guid, note_type_id=type_ids[note.note_type_id],
                fields=tuple(note.field_values), tags=tuple(note.tags), modified_at=note.updated_at,
            )
            for note in notes.values()
        ],
        decks={deck.pk + FIRST_DECK_ID: records.Deck(id=deck.pk + FIRST_DECK_ID, name=deck.title, description=deck.description) for deck in decks},
        cards=[
            _card(card, card_ids[card.pk], note_ids[card.note_id], states.get(card.pk), marks.get(card.pk), position)
            for position, card in enumerate(cards, start=1)
        ],
        reviews=_reviews(learner, card_ids),
    )
    referenced = {name for note in notes.values() for value in note.field_values for name in referenced_media(value)}
    owners = {deck.owner_id for deck in decks}
    shown_from = visible_decks(viewer).filter(owner__in=owners) if viewer is not None else Deck.objects.filter(owner__in=owners)
    wanted = Q(deck__in=decks) | Q(deck__in=shown_from, name__in=referenced)  # a deck's files (LaTeX images too) and those its notes show
    media = {}
    for item in DeckMedia.objects.filter(wanted).order_by("name", "id"):
        media.setdefault(item.name, item)
    return AnkiExport(collection=collection, media=list(media.values()))


def _with_fields(note_types: dict) -> dict:
    """The note types with their fields and templates fetched in two queries."""
    fetched = NoteType.objects.filter(pk__in=note_types).prefetch_related("note_fields", "templates")
    return {note_type.pk: note_type for note_type in fetched}


def _time_ids(rows) -> dict[int, int]:
    """Primary key -> an Anki id: the row's creation time in ms, nudged to the next free one when taken."""
    ids, used = {}, set()
    for row in sorted(rows, key=lambda row: (row.created_at, row.pk)):
        anki_id = int(row.created_at.timestamp() * 1000)
        while anki_id in used:
            anki_id += 1
        used.add(anki_id)
        ids[row.pk] = anki_id
    return ids


def _states(learner, cards: list[Card]) -> dict[int, CardState]:
    if learner is None:
        return {}
    card_ids = [card.pk for card in cards]
    return {state.card_id: state for state in CardState.objects.filter(learner=learner, card_id__in=card_ids)}


def _marks(learner, cards: list[Card]) -> dict[int, CardMark]:
    if learner is None:
        return {}
    return {mark.card_id: mark for mark in CardMark.objects.filter(learner=learner, card_id__in=[card.pk for card in cards])}


def _collection_start(states) -> datetime:
    """A creation time before every due date, from which review cards' due days count."""
    earliest = min((state.due_at for state in states), default=timezone.now())
    return min(earliest, timezone.now()) - timedelta(days=1)


def _card(card: Card, anki_id: int, note_id: int, state: CardState | None, mark: CardMark | None, position: int) -> records.Card:
    deck_id = card.deck_id + FIRST_DECK_ID
    marks = {}
    if mark is not None:
        buried = mark.buried_until is not None and mark.buried_until > timezone.now()
        marks = {"suspended": mark.suspended, "buried": buried, "flag": mark.flag}
    if state is None:
        return records.Card(id=anki_id, note_id=note_id, ord=card.ord, deck_id=deck_id, state=NEW, new_position=position, **marks)
    interval = max(1, round((state.due_at - state.last_review_at) / timedelta(days=1))) if state.state == CardState.State.REVIEW else 0
    memory = None
    if state.stability and state.difficulty:
        memory = records.MemoryState(stability=state.stability, difficulty=state.difficulty, last_review_at=state.last_review_at)
    return records.Card(
        id=anki_id, note_id=note_id, ord=card.ord, deck_id=deck_id, state=ANKI_STATE[state.state], due_at=state.due_at,
        interval_days=interval, reps=state.reps, lapses=state.lapses, memory=memory, **marks,
    )


def _reviews(learner, card_ids: dict[int, int]) -> list[records.Review]:
    """The learner's live answers to the exported cards, as review-log entries (a card's first answer is a learning one)."""
    if learner is None:
        return []
    logs = StudyLog.objects.live().filter(learner=learner, card_id__in=list(card_ids)).order_by("answered_at", "id")
    reviews, seen = [], set()
    for card_id, answered_at, grade, response_ms in logs.values_list("card_id", "answered_at", "grade", "response_ms").iterator():
        kind = REVIEW_REVIEW if card_id in seen else REVIEW_LEARNING
        seen.add(card_id)
        reviews.append(records.Review(
            id=int(answered_at.timestamp() * 1000), card_id=card_ids[card_id], reviewed_at=answered_at, rating=grade,
            interval=0, last_interval=0, ease=0, duration_ms=response_ms, kind=kind,
        ))
    return reviews
