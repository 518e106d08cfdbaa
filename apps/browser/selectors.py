"""Reads for the card browser: the search's cards in the chosen column's order, and a page of them with what each row shows.

Sorting by a scheduling column (due, interval, difficulty, reviews, lapses) joins the
viewer's own card state (a left join on the unique ``(learner, card)`` pair); cards the
viewer never studied sort last either way. Every order ends with the card's id, so
pages never overlap.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, FilteredRelation, Q, QuerySet, Value, Window, prefetch_related_objects
from django.db.models.functions import Coalesce

from apps.browser.patterns import DaysBetween
from apps.cards.models import Card
from apps.pagination import PAGE_SIZE
from apps.study.models import CardMark, CardState

STATE = "viewer_state"
MAX_COUNTED_PAGE = 1_000_000  # a page number past it is left to Paginator.get_page (the last page)


@dataclass(frozen=True)
class Column:
    label: str
    order: object  # an expression over the cards, with the viewer's state joined as ``viewer_state``
    reads_state: bool = False


COLUMNS = {
    "sort_field": Column("Sort field", F("front")),
    "due": Column("Due", F(f"{STATE}__due_at"), reads_state=True),
    "interval": Column("Interval", DaysBetween(F(f"{STATE}__due_at"), F(f"{STATE}__last_review_at")), reads_state=True),
    "difficulty": Column("Difficulty", F(f"{STATE}__difficulty"), reads_state=True),
    "reviews": Column("Reviews", Coalesce(F(f"{STATE}__reps"), Value(0)), reads_state=True),
    "lapses": Column("Lapses", Coalesce(F(f"{STATE}__lapses"), Value(0)), reads_state=True),
    "deck": Column("Deck", F("deck__title")),
    "note_type": Column("Note type", F("note__note_type__name")),
    "created": Column("Created", F("id")),
}
DEFAULT_SORT = "created"


def sorted_cards(cards: QuerySet, *, viewer, sort: str, descending: bool) -> QuerySet:
    """``cards`` in the order of column ``sort`` (a key of COLUMNS), then by id."""
    column = COLUMNS[sort]
    if column.reads_state:
        cards = cards.annotate(**{STATE: FilteredRelation("states", condition=Q(states__learner=viewer))})
    order = column.order.desc(nulls_last=True) if descending else column.order.asc(nulls_last=True)
    return cards.order_by(order, "-id" if descending else "id")


def interval_days(state: CardState) -> int:
    """The days from the last review to the due date, rounded half up: what ``prop:ivl`` compares and the Interval column shows."""
    return math.floor((state.due_at - state.last_review_at) / timedelta(days=1) + 0.5)


@dataclass(frozen=True)
class BrowserRow:
    """A card as a row of the browser (its deck, note and note type fetched with it) and the viewer's state and marks of it."""

    card: Card
    state: CardState | None
    mark: CardMark | None
    buried: bool
    may_edit: bool

    @property
    def due_at(self) -> datetime | None:
        return self.state.due_at if self.state else None

    @property
    def interval(self) -> int | None:
        return interval_days(self.state) if self.state else None


def browser_page(ordered: QuerySet, *, number, viewer, now: datetime, count_with_page: bool = False) -> tuple[Page, list[BrowserRow]]:
    """Page ``number`` of ``sorted_cards`` and its rows.

    The count and the sorted page read only ids and the sort column (the page with
    ``LIMIT``, so the database keeps only the top 50 while sorting); the page's cards
    are then fetched by id with their deck, note and note type, so sorting 100,000
    matches never carries their text. Four more queries whatever the page's size: the cards,
    the note types' templates (``Card.template_name``), the viewer's states and marks.

    ``count_with_page`` (for a search with words) counts in the page's own query
    (``_page_with_its_count``) rather than in a query of its own, so the search runs once.
    """
    ids = ordered.values_list("id", flat=True)
    page = _page_with_its_count(ordered, number) if count_with_page else None
    if page is None:
        page = Paginator(ids, PAGE_SIZE).get_page(number)
    page_ids = list(page.object_list)
    fetched = Card.objects.filter(pk__in=page_ids).select_related("deck", "note__note_type").in_bulk()
    return page, _rows([fetched[card_id] for card_id in page_ids if card_id in fetched], viewer=viewer, now=now)


class CountedPaginator(Paginator):
    """A paginator told how many items there are (counted with the page), so it never counts them again."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self.count = count  # Paginator.count is a cached property: this is its value


def _page_with_its_count(ordered: QuerySet, number) -> Page | None:
    """Page ``number`` of ``ordered`` and how many cards the search found, from one query (``COUNT(*) OVER ()`` beside each id).

    A search with words costs most in finding its cards (SQLite builds the list of the
    viewer's matching states for ``id IN`` once per query; a sort reads every match):
    counting in the page's query does that once instead of twice. None when the page
    has no rows or the number is not a plain page number (past the last page, ``0``,
    ``x``): the caller then counts and picks the page as ``Paginator.get_page`` does.
    """
    text = "1" if number is None else str(number)
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_COUNTED_PAGE):
        return None
    number = int(text)
    start = (number - 1) * PAGE_SIZE
    rows = list(ordered.annotate(found=Window(Count("*"))).values_list("id", "found")[start : start + PAGE_SIZE])
    if not rows and number > 1:
        return None
    paginator = CountedPaginator(ordered.values_list("id", flat=True), PAGE_SIZE, count=rows[0][1] if rows else 0)
    return Page([card_id for card_id, _ in rows], number, paginator)


def _rows(cards: list[Card], *, viewer, now: datetime) -> list[BrowserRow]:
    prefetch_related_objects(cards, "note__note_type__templates")
    ids = [card.pk for card in cards]
    states = {state.card_id: state for state in CardState.objects.filter(learner=viewer, card_id__in=ids)}
    marks = {mark.card_id: mark for mark in CardMark.objects.filter(learner=viewer, card_id__in=ids)}
    return [
        BrowserRow(
            card=card,
            state=states.get(card.pk),
            mark=marks.get(card.pk),
            buried=card.pk in marks and marks[card.pk].buried_until is not None and marks[card.pk].buried_until > now,
            may_edit=card.deck.owner_id == viewer.pk,
        )
        for card in cards
    ]
