"""Writes of note types and notes; a note's cards are generated, rendered and kept in step here.

A note's cards are the ones its type generates from its fields
(``knowledge_tracing.anki.note_types.generated_ordinals``); each card stores its
rendered front and back (``Card.front``/``Card.back``, with the content hash) so that
everything reading cards reads them as before. Editing a note renders its cards again
in place: the same Card rows, so every learner's state and logs stay with them. A card
the edited note no longer generates (a cloze number taken out, "Add Reverse" emptied)
is hidden only when the caller confirms it (``NoteChangeNeedsConfirmation`` lists
them); a card generated again later comes back with its history.

Bulk paths (imports, benchmarks) create Basic notes without a card-by-card check:
``basic_notes_bulk_create``.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.cards.content import content_hash
from apps.cards.media_links import owner_media_urls, referenced_media, served_media
from apps.cards.models import Card, CardTemplate, Deck, Note, NoteField, NoteType
from apps.cards.rendering import CARD_TEXT_MAX_CHARS, card_text_problem
from apps.cards.signals import cards_moved
from knowledge_tracing.anki.note_types import (
    BASIC,
    BUILTIN_NOTE_TYPES,
    NoteTypeSpec,
    card_name,
    generated_ordinals,
    new_guid,
    render_note_card,
)
from knowledge_tracing.anki.templates import TemplateError, parse_template

NOTE_MAX_CARDS = 100
BULK_BATCH_SIZE = 2000


class NoteInvalid(ValueError):
    """A note that cannot be saved as given; the message says why, in words for the form."""


class NoteChangeNeedsConfirmation(Exception):
    """The edit would hide cards (with their learners' history): ``cards`` lists them; nothing was saved."""

    def __init__(self, cards: list[Card]) -> None:
        super().__init__(f"{len(cards)} card(s) would be removed")
        self.cards = cards


def note_type_builtin(*, name: str) -> NoteType:
    """The built-in note type called ``name`` (Anki's stock types), created on first use."""
    spec = BUILTIN_NOTE_TYPES[name]
    existing = NoteType.objects.filter(owner=None, name=name).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return _note_type_rows_create(owner=None, spec=spec)
    except IntegrityError:  # another process created it first
        return NoteType.objects.get(owner=None, name=name)


def note_types_builtin() -> list[NoteType]:
    return [note_type_builtin(name=name) for name in BUILTIN_NOTE_TYPES]


def note_type_problems(spec: NoteTypeSpec) -> list[str]:
    """Why ``spec`` cannot be a note type (names, counts, templates that cannot be read); empty when it can."""
    problems = spec.problems()
    for template in spec.templates:
        for side in (template.front, template.back):
            try:
                parse_template(side)
            except TemplateError as error:
                problems.append(f"card template {template.name[:80]!r}: {error}")
    return problems


def note_type_create(*, owner, spec: NoteTypeSpec) -> NoteType:
    """A note type of ``owner``'s own (an imported one), or NoteInvalid saying what is wrong with ``spec``."""
    problems = note_type_problems(spec)
    if problems:
        raise NoteInvalid("; ".join(problems))
    with transaction.atomic():
        return _note_type_rows_create(owner=owner, spec=spec)


def _note_type_rows_create(*, owner, spec: NoteTypeSpec) -> NoteType:
    note_type = NoteType.objects.create(owner=owner, name=spec.name, kind=spec.kind, css=spec.css)
    NoteField.objects.bulk_create(NoteField(note_type=note_type, ord=position, name=name) for position, name in enumerate(spec.fields))
    CardTemplate.objects.bulk_create(
        CardTemplate(note_type=note_type, ord=position, name=template.name, front_template=template.front, back_template=template.back)
        for position, template in enumerate(spec.templates)
    )
    return note_type


@dataclass(frozen=True)
class RenderedSides:
    front: str
    back: str
    problems: tuple[str, ...]


def _render(spec: NoteTypeSpec, values: Sequence[str], ordinal: int, *, tags: Sequence[str], deck: Deck) -> RenderedSides:
    try:
        rendered = render_note_card(spec, values, ordinal, tags=tags, deck=deck.title)
    except TemplateError as error:
        raise NoteInvalid(f"card {ordinal + 1}: {error}") from error
    front, back = rendered.question, rendered.back
    if referenced_media(front) or referenced_media(back):  # an imported note's images and sounds, by file name
        urls = owner_media_urls(owner_id=deck.owner_id)
        front, back = served_media(front, urls), served_media(back, urls)
    return RenderedSides(front=front, back=back, problems=rendered.problems)


@dataclass
class NotePlan:
    """What saving the note's fields does to its cards: ordinal -> rendered sides, the cards it hides, where new cards go."""

    rendered: dict[int, RenderedSides]
    removed: list[Card] = field(default_factory=list)
    home: Deck | None = None

    @property
    def problems(self) -> list[str]:
        """What the templates asked for and the note type lacks (unknown fields or filters), for the person editing."""
        return sorted({problem for sides in self.rendered.values() for problem in sides.problems})


def _checked_values(note_type: NoteType, spec: NoteTypeSpec, values: Sequence[str]) -> list[str]:
    if len(values) != len(spec.fields):
        raise NoteInvalid(f"a {note_type.name} note has {len(spec.fields)} fields ({', '.join(spec.fields)}), not {len(values)}")
    for name, value in zip(spec.fields, values):
        if len(value) > CARD_TEXT_MAX_CHARS:
            raise NoteInvalid(f"{name}: a field may be at most {CARD_TEXT_MAX_CHARS:,} characters long (this one has {len(value):,})")
    return list(values)


def _plan(*, spec: NoteTypeSpec, values: list[str], tags: list[str], deck_of) -> NotePlan:
    """Render the cards the fields generate; ``deck_of(ordinal)`` is the deck each card is (or would be) in."""
    ordinals = generated_ordinals(spec, values, tags=tags)
    if not ordinals:
        if spec.kind == NoteType.Kind.CLOZE:
            raise NoteInvalid("a cloze note needs at least one cloze deletion, such as {{c1::Paris}}")
        raise NoteInvalid(f"this note would have no card: fill in the field its first card shows ({spec.fields[0]})")
    if len(ordinals) > NOTE_MAX_CARDS:
        raise NoteInvalid(f"a note may have at most {NOTE_MAX_CARDS} cards (this one would have {len(ordinals)})")
    rendered = {}
    for ordinal in ordinals:
        sides = _render(spec, values, ordinal, tags=tags, deck=deck_of(ordinal))
        for side, text in (("front", sides.front), ("back", sides.back)):
            problem = card_text_problem(text)
            if problem:
                name = card_name(spec.kind, dict(enumerate(template.name for template in spec.templates)), ordinal)
                raise NoteInvalid(f"card {ordinal + 1} ({name}), {side}: {problem}")
        rendered[ordinal] = sides
    return NotePlan(rendered=rendered)


def _card(*, note: Note, deck: Deck, ordinal: int, sides: RenderedSides) -> Card:
    return Card(
        note=note, deck=deck, ord=ordinal, front=sides.front, back=sides.back, tags=note.tags,
        content_hash=content_hash(sides.front, sides.back),
    )


def _check_owner(*, owner, deck: Deck, note_type: NoteType) -> None:
    if deck.owner_id != owner.pk:
        raise NoteInvalid("a note's cards go into a deck of its owner")
    if note_type.owner_id not in (None, owner.pk):
        raise NoteInvalid("that note type belongs to someone else")


def note_create(*, owner, deck: Deck, note_type: NoteType, field_values: Sequence[str], tags: list[str], guid: str = "") -> Note:
    """A note of ``note_type`` with its cards in ``deck``; NoteInvalid (nothing saved) when it would have no card or a card breaks the limits."""
    _check_owner(owner=owner, deck=deck, note_type=note_type)
    spec = note_type.spec()
    values = _checked_values(note_type, spec, field_values)
    plan = _plan(spec=spec, values=values, tags=tags, deck_of=lambda ordinal: deck)
    with transaction.atomic():
        note = Note.objects.create(owner=owner, note_type=note_type, field_values=values, tags=tags, guid=guid or new_guid())
        for ordinal, sides in plan.rendered.items():
            _card(note=note, deck=deck, ordinal=ordinal, sides=sides).save()
    return note


def note_update_plan(*, note: Note, field_values: Sequence[str], tags: list[str]) -> NotePlan:
    """What ``note_update`` would do, without saving: the cards' new sides and the cards it would hide."""
    spec = note.note_type.spec()
    values = _checked_values(note.note_type, spec, field_values)
    cards = {card.ord: card for card in Card.all_objects.filter(note=note).select_related("deck")}
    home = _home_deck(cards.values())

    def deck_of(ordinal: int) -> Deck:
        card = cards.get(ordinal)
        deck = card.deck if card is not None and card.deck.deleted_at is None else home
        if deck is None:
            raise NoteInvalid("this note has no card left in a deck to add its new cards to")
        return deck

    plan = _plan(spec=spec, values=values, tags=tags, deck_of=deck_of)
    plan.removed = [card for ordinal, card in sorted(cards.items()) if card.deleted_at is None and ordinal not in plan.rendered]
    plan.home = home
    return plan


def _home_deck(cards) -> Deck | None:
    """Where a new card of the note goes: the deck of its first live card (as Anki: the deck its cards are in)."""
    live = sorted((card for card in cards if card.deleted_at is None and card.deck.deleted_at is None), key=lambda card: card.ord)
    return live[0].deck if live else None


def note_update(*, note: Note, field_values: Sequence[str], tags: list[str], confirm_removal: bool = False) -> NotePlan:
    """Save the fields and tags and render the cards again (the same rows, history kept).

    Cards the fields now generate for the first time are added to the note's deck; a
    hidden card generated again comes back. Cards no longer generated are hidden only
    with ``confirm_removal``; without it NoteChangeNeedsConfirmation lists them and
    nothing is saved.
    """
    with transaction.atomic():
        note = Note.objects.select_for_update().select_related("note_type").get(pk=note.pk)
        plan = note_update_plan(note=note, field_values=field_values, tags=tags)
        if plan.removed and not confirm_removal:
            raise NoteChangeNeedsConfirmation(plan.removed)
        note.field_values, note.tags = list(field_values), tags
        note.save(update_fields=["field_values", "tags", "updated_at"])
        cards = {card.ord: card for card in Card.all_objects.filter(note=note).select_related("deck")}
        for ordinal, sides in plan.rendered.items():
            card = cards.get(ordinal)
            if card is None:
                _card(note=note, deck=plan.home, ordinal=ordinal, sides=sides).save()
                continue
            card.front, card.back, card.tags, card.deleted_at = sides.front, sides.back, note.tags, None
            changed = ["front", "back", "tags", "deleted_at", "updated_at"]
            if card.deck.deleted_at is not None:  # a card coming back whose deck was deleted meanwhile
                card.deck = plan.home
                changed.append("deck")
                cards_moved.send(sender=Deck, deck=plan.home, card_ids=[card.pk])
            card.save(update_fields=changed)
        Card.objects.filter(pk__in=[card.pk for card in plan.removed]).update(deleted_at=timezone.now())
    return plan


def note_delete(*, note: Note) -> None:
    """Hide the note and all its cards; their logs remain."""
    now = timezone.now()
    with transaction.atomic():
        Card.objects.filter(note=note).update(deleted_at=now)
        note.deleted_at = now
        note.save(update_fields=["deleted_at"])


def deck_cards_and_notes_hide(*, deck_ids: Sequence[int], now) -> None:
    """Hide the decks' cards, and the notes left with no live card (a deck deletion)."""
    Card.objects.filter(deck_id__in=deck_ids).update(deleted_at=now)
    Note.objects.filter(cards__deck_id__in=deck_ids).exclude(cards__deleted_at__isnull=True).update(deleted_at=now)


@dataclass(frozen=True)
class BasicCardText:
    """One card to create as a Basic note: its deck, front, back and tags."""

    deck: Deck
    front: str
    back: str
    tags: list[str]


def basic_notes_bulk_create(*, cards: Sequence[BasicCardText]) -> list[Card]:
    """One Basic note per given card, in batches, in the caller's transaction; returns the cards in the given order.

    For imports and benchmarks: the sides are taken as checked already and stored as
    given, as the migration stored every card typed before notes existed (a Basic note
    renders its Front and Back unchanged but for trimmed ends). Sends no ``post_save``;
    the caller sends ``cards_imported`` for each deck.
    """
    basic = note_type_builtin(name=BASIC.name)
    created: list[Card] = []
    for start in range(0, len(cards), BULK_BATCH_SIZE):
        batch = cards[start : start + BULK_BATCH_SIZE]
        notes = Note.objects.bulk_create(
            Note(owner_id=item.deck.owner_id, note_type=basic, field_values=[item.front, item.back], tags=item.tags, guid=new_guid())
            for item in batch
        )
        created.extend(
            Card.objects.bulk_create(
                _card(note=note, deck=item.deck, ordinal=0, sides=RenderedSides(front=item.front, back=item.back, problems=()))
                for note, item in zip(notes, batch)
            )
        )
    return created


def cards_render_again(*, decks: Sequence[Deck]) -> int:
    """Render again the live cards in ``decks`` whose templates show a deck name ({{Deck}}, {{Subdeck}}); after a rename."""
    showing_deck = CardTemplate.objects.filter(Q(front_template__contains="Deck") | Q(back_template__contains="Deck")).values("note_type")
    cards = list(
        Card.objects.filter(deck__in=decks, note__note_type__in=showing_deck)
        .select_related("deck", "note__note_type")
        .prefetch_related("note__note_type__note_fields", "note__note_type__templates")
    )
    for card in cards:
        note = card.note
        sides = _render(note.note_type.spec(), note.field_values, card.ord, tags=note.tags, deck=card.deck)
        card.front, card.back = sides.front, sides.back
        card.save(update_fields=["front", "back", "updated_at"])
    return len(cards)
