"""Reads for decks and cards."""

import re
from dataclasses import dataclass
from urllib.parse import unquote
from uuid import UUID

from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse

from apps.cards.access import deck_open_condition, visible_decks
from apps.cards.deck_counts import DeckCounts
from apps.cards.deck_files.records import NoteRow
from apps.cards.deck_names import SEPARATOR
from apps.cards.models import Card, CardTemplate, Deck, Note, NoteType
from knowledge_tracing.anki.note_types import BUILTIN_NOTE_TYPES, card_name


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
        .annotate(card_count=live_card_count())
        .order_by("title", "id")
    )


def deck_tree_roots(user):
    """The decks the deck list pages through: each heads a tree for ``user``.

    A deck is a root for the user when it is at the top, or when they may not study
    the deck above it (another owner's public deck under a private one), so every deck
    they may study is listed once, under its nearest listed parent.
    """
    heads = Q(parent__isnull=True) | (~Q(owner=user) & ~Q(parent__visibility=Deck.Visibility.PUBLIC))
    return deck_list_for(user).filter(heads)


@dataclass
class DeckNode:
    deck: Deck
    children: list["DeckNode"]
    counts: DeckCounts | None = None

    def walk(self):
        """This node and every node below it."""
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def total_cards(self) -> int:
        """The deck's live cards and those of the decks listed below it: what studying it draws from."""
        return self.deck.card_count + sum(child.total_cards for child in self.children)


def deck_trees(roots, user) -> list[DeckNode]:
    """Each root with the decks below it that ``user`` may study (nested), children by name; one query for all roots."""
    roots = list(roots)
    if not roots:
        return []
    below = Q()
    for root in roots:
        below |= Q(owner_id=root.owner_id, title__startswith=root.title + SEPARATOR)
    nodes = {root.pk: DeckNode(root, []) for root in roots}
    for deck in sorted(deck_list_for(user).filter(below), key=lambda deck: (deck.depth, deck.title.lower())):
        parent = nodes.get(deck.parent_id)
        if parent is not None:  # a deck under one the user may not study is listed as a root of its own
            nodes[deck.pk] = DeckNode(deck, [])
            parent.children.append(nodes[deck.pk])
    return [nodes[root.pk] for root in roots]


def live_card_count() -> Count:
    """A deck's live cards, as an annotation."""
    return Count("cards", filter=Q(cards__deleted_at__isnull=True))


def deck_parents(deck: Deck, *, viewer) -> list[Deck]:
    """The decks above ``deck``, the top one first, that ``viewer`` may study (a stranger does not see a private parent)."""
    names = [deck.title.rsplit(SEPARATOR, depth)[0] for depth in range(deck.depth, 0, -1)]
    parents = Deck.objects.filter(deck_open_condition(viewer), owner_id=deck.owner_id, title__in=names)
    return sorted(parents, key=lambda parent: parent.depth)


def deck_children(deck: Deck, *, viewer) -> list[Deck]:
    """The decks right below ``deck`` that ``viewer`` may study, by name, with their live card counts."""
    children = Deck.objects.filter(deck_open_condition(viewer), parent=deck).annotate(card_count=live_card_count())
    return sorted(children, key=lambda child: child.title.lower())


def note_types_for(user):
    """The note types the user may write notes of: the built-in ones, then their own."""
    return NoteType.objects.filter(Q(owner=None) | Q(owner=user)).order_by(F("owner").asc(nulls_first=True), "name", "id")


def owned_decks(user):
    """The user's live decks in name order: where their notes' cards may go."""
    return Deck.objects.filter(owner=user).order_by("title", "id")


def deck_cards(deck: Deck, *, viewer=None):
    """The live cards of the deck and the decks below it (those ``viewer`` may study, when given), in deck order.

    The decks are looked up first, so the cards' query is the indexed ``deck_id IN (...)``
    of one deck's cards before trees existed; it joins nothing, so a page far into a large
    deck is as quick as the first (``cards_with_labels`` completes a page's cards).
    """
    deck_ids = list(deck_subtree(deck, open_to=viewer).values_list("pk", flat=True))
    return Card.objects.filter(deck_id__in=deck_ids).order_by("id")


@dataclass(frozen=True)
class ListedCard:
    """A card as the deck page lists it: the card, its name (Card 2, Cloze 3), its note's UUID and its deck's own name."""

    card: Card
    name: str
    note_uuid: UUID
    deck_name: str


def listed_cards(cards, *, deck: Deck) -> list[ListedCard]:
    """A page of ``deck_cards`` of ``deck`` with what the deck page shows beside each card.

    Read by id from the page's cards rather than joined into the page's query, so a page
    far into a large deck costs what the first does: one query for the notes and their
    types; the built-in types' template names come from the library, other types' in a
    second query, and the names of decks below ``deck`` in a third when the page has any.
    """
    cards = list(cards)
    notes, note_types = {}, {}
    for note_id, note_uuid, note_type_id, kind, type_name, type_owner in Note.all_objects.filter(
        pk__in={card.note_id for card in cards}
    ).values_list("pk", "uuid", "note_type_id", "note_type__kind", "note_type__name", "note_type__owner_id"):
        notes[note_id] = (note_uuid, note_type_id)
        builtin = BUILTIN_NOTE_TYPES.get(type_name) if type_owner is None else None
        note_types[note_type_id] = (kind, dict(enumerate(template.name for template in builtin.templates)) if builtin else None)
    own_types = [note_type for note_type, (_, names) in note_types.items() if names is None]
    own_names: dict[int, dict[int, str]] = {note_type: {} for note_type in own_types}
    for note_type, ordinal, name in CardTemplate.objects.filter(note_type_id__in=own_types).values_list("note_type_id", "ord", "name"):
        own_names[note_type][ordinal] = name
    below = {card.deck_id for card in cards} - {deck.pk}
    deck_names = dict(Deck.all_objects.filter(pk__in=below).values_list("pk", "title")) if below else {}

    def listed(card: Card) -> ListedCard:
        note_uuid, note_type = notes[card.note_id]
        kind, names = note_types[note_type]
        return ListedCard(
            card=card,
            name=card_name(kind, names if names is not None else own_names[note_type], card.ord),
            note_uuid=note_uuid,
            deck_name=deck_names[card.deck_id].rsplit(SEPARATOR, 1)[-1] if card.deck_id in deck_names else deck.name,
        )

    return [listed(card) for card in cards]


class MediaLinks:
    """Turns links to media that Mnemo serves (``src="/decks/<uuid>/media/x.png"``) into the files' names, remembering them.

    Exports carry file names, as Anki packages and Anki's own text exports do.
    """

    def __init__(self) -> None:
        example = reverse("cards:deck_media", kwargs={"deck_uuid": UUID(int=0), "name": "NAME"})
        prefix, suffix = example.split(str(UUID(int=0)))
        self.pattern = re.compile(
            r'(src=)"' + re.escape(prefix) + r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
            + re.escape(suffix.removesuffix("NAME")) + r'([^"/]+)"',
            re.IGNORECASE,
        )
        self.linked: set[tuple[str, str]] = set()

    def portable(self, text: str) -> str:
        def file_name(match: re.Match) -> str:
            deck_uuid, name = match.group(2), unquote(match.group(3))
            self.linked.add((deck_uuid, name))
            return f'{match.group(1)}"{name}"'

        return self.pattern.sub(file_name, text)


def deck_export_notes(deck: Deck, *, viewer=None) -> list[NoteRow]:
    """One row per live note with a card in the deck or below it (those ``viewer`` may study), in order of creation.

    Each row holds the note's type, its field names and values (media links as file
    names), its tags and the deck of its first card there, named below ``deck`` ("" for
    ``deck`` itself), so that importing the file under any name rebuilds the same tree.
    """
    media = MediaLinks()
    first_cards = {}
    for card in deck_cards(deck, viewer=viewer).filter(note__deleted_at__isnull=True).select_related("deck").order_by("note_id", "ord"):
        first_cards.setdefault(card.note_id, card)
    notes = Note.objects.filter(pk__in=first_cards).select_related("note_type").prefetch_related("note_type__note_fields").order_by("id")
    return [
        NoteRow(
            note_type=note.note_type.name,
            fields=[(field.name, media.portable(value)) for field, value in zip(note.note_type.note_fields.all(), note.field_values)],
            tags=note.tags,
            deck=first_cards[note.pk].deck.title[len(deck.title) + len(SEPARATOR) :],
        )
        for note in notes
    ]
