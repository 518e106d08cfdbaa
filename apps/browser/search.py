"""Anki's browser search words over the cards a viewer may see, compiled into one database filter.

``card_search(text, viewer=...)`` parses the text (``apps.browser.query_parser``) and
returns the matching cards of ``browsable_cards(viewer)``: live cards in live decks the
viewer may study (``apps.cards.access``). The words are Anki's (docs.ankiweb.net,
"Searching"); those about scheduling read the viewer's own ``CardState``, so
``is:due`` is what is due for the person searching:

- free text: the card's front or back contains it (``*`` any characters), narrowed first by
  the text index (``apps.cards.text_index``);
- ``deck:Name`` the deck and the decks inside it (``deck:Lang*``, ``deck:"A B::C"``);
- ``tag:name`` the tag or a tag below it (``tag:verb`` finds ``verb::irregular``);
  ``tag:none`` cards without tags;
- ``note:Name`` cards of notes of that note type;
- ``is:new`` (never studied), ``is:learn`` (learning or relearning), ``is:review``
  (review or relearning), ``is:due`` (due now, and neither suspended nor buried, as
  Anki), ``is:suspended``, ``is:buried`` (until the viewer's next day);
- ``flag:N`` the viewer's flag 1-7 on the card (``flag:0`` no flag);
- ``prop:ivl``, ``prop:due`` (days from today; negative is overdue), ``prop:reps``,
  ``prop:lapses`` with ``= != < <= > >=``; a card never studied has ``ivl``, ``reps`` and
  ``lapses`` 0 and no ``due``. The interval is the days from the last review to the
  due date, rounded.

Each word becomes a ``Q``: per-learner words ``id IN`` (or ``NOT IN``) the cards of the
learner's states or marks (``apps.study.models.CardMark``) that match, read once from
their ``(learner, card)`` index rather than probed card by card, so negation and ``or``
mean what they say and ``is:due`` over 100,000 cards reads only the learner's states.
"""

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import reduce

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from apps.browser.patterns import DaysBetween, TagOrBelowLike, TextLike
from apps.browser.query_parser import WILDCARD, All, Any, Node, Not, QueryError, Term, parse_query
from apps.cards.access import visible_decks
from apps.cards.deck_names import SEPARATOR
from apps.cards.models import Card, Deck, NoteType
from apps.cards.text_index import text_index_candidates
from apps.study.models import CardMark, CardState
from apps.study.selectors import cards_excluded_from_study

PROPERTY = re.compile(r"^(?P<name>[a-z]+)(?P<op><=|>=|!=|=|<|>)(?P<number>-?\d{1,6})$", re.IGNORECASE)
COMPARISONS = {"=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


@dataclass(frozen=True)
class SearchContext:
    """Who searches, and when: ``is:due`` and ``prop:due`` read the clock and the viewer's own card states."""

    viewer: object
    now: datetime

    @property
    def today(self) -> date:
        return timezone.localdate(self.now)

    def states(self, condition: Q = Q(), states: QuerySet | None = None) -> Q:
        """The cards of which the viewer has a card state that meets ``condition`` (of ``states``, annotated, when given)."""
        states = CardState.objects.all() if states is None else states
        return Q(pk__in=states.filter(condition, learner=self.viewer).values("card_id"))

    def marks(self, condition: Q) -> Q:
        """The cards the viewer marked (suspended, buried, flag) as ``condition`` says."""
        return Q(pk__in=CardMark.objects.filter(condition, learner=self.viewer).values("card_id"))


def browsable_cards(viewer) -> QuerySet:
    """Live cards in the live decks ``viewer`` may study: everything the browser may show them."""
    return Card.objects.filter(deck__in=visible_decks(viewer))


def card_search(text: str, *, viewer, now: datetime | None = None) -> QuerySet:
    """The cards of ``browsable_cards(viewer)`` that ``text`` finds; QueryError (saying why) when it cannot be run."""
    node = parse_query(text)
    cards = browsable_cards(viewer)
    if node is None:
        return cards
    return cards.filter(search_condition(node, SearchContext(viewer=viewer, now=now or timezone.now())))


LEARNER_WORDS = frozenset({"is", "flag", "prop"})  # read from the searcher's own card states or marks


def reads_learner_records(text: str) -> bool:
    """Whether ``text`` (a valid search) has a word read from the searcher's own card states or marks (``is:``, ``flag:``, ``prop:``)."""
    return _has_learner_word(parse_query(text))


def _has_learner_word(node: Node | None) -> bool:
    if node is None:
        return False
    if isinstance(node, Not):
        return _has_learner_word(node.node)
    if isinstance(node, (All, Any)):
        return any(_has_learner_word(child) for child in node.nodes)
    return node.key in LEARNER_WORDS


def search_condition(node: Node, context: SearchContext) -> Q:
    """The filter a parsed query stands for."""
    if isinstance(node, Not):
        return ~search_condition(node.node, context)
    if isinstance(node, All):
        texts = [child for child in node.nodes if _is_text(child)]
        others = [search_condition(child, context) for child in node.nodes if not _is_text(child)]
        return reduce(operator.and_, [*others, *([_texts(texts)] if texts else [])])
    if isinstance(node, Any):
        return reduce(operator.or_, (search_condition(child, context) for child in node.nodes))
    if node.key is None:
        return _texts([node])
    word = WORDS.get(node.key)
    if word is None:
        raise QueryError(
            f"Unknown search word “{node.key}:”. The words are {', '.join(f'{key}:' for key in WORDS)}; "
            f"to search for text with a colon, write \\: (e.g. 10\\:30)."
        )
    if not node.parts:
        raise QueryError(f"“{node.key}:” needs something after it, e.g. {EXAMPLES[node.key]}.")
    return word(node, context)


def _is_text(node: Node) -> bool:
    return isinstance(node, Term) and node.key is None


def _texts(terms: list[Term]) -> Q:
    """Cards whose front or back contains each term: the exact ``LIKE``s, behind one lookup of the text index for them all.

    One lookup for all the words side by side, because the index answers "contains
    both" from its rarest word (``squared 4242``: 66 candidates), where a lookup per word
    would list every card for ``squared``.
    """
    candidates = text_index_candidates([part for term in terms for part in term.parts if part is not WILDCARD], connection)
    return reduce(operator.and_, (_text(term) for term in terms), candidates)


def _text(term: Term) -> Q:
    contains = (WILDCARD, *term.parts, WILDCARD)
    return Q(TextLike(F("front"), contains)) | Q(TextLike(F("back"), contains))


def _deck(term: Term, context: SearchContext) -> Q:
    """The named deck and every deck inside it (``A`` finds ``A`` and ``A::B``), ignoring case, with wildcards."""
    matching = Deck.objects.filter(Q(TextLike(F("title"), term.parts)) | Q(TextLike(F("title"), (*term.parts, SEPARATOR, WILDCARD))))
    return Q(deck__in=matching)


def _tag(term: Term, context: SearchContext) -> Q:
    """The tag or one below it (``verb`` finds ``verb::irregular``); ``tag:none`` finds cards without tags."""
    if term.parts == ("none",):
        return Q(tags=[])
    return Q(TagOrBelowLike(F("tags"), term.parts))


def _note_type(term: Term, context: SearchContext) -> Q:
    return Q(note__note_type__in=NoteType.objects.filter(TextLike(F("name"), term.parts)))


IS_WORDS: dict[str, Callable[[SearchContext], Q]] = {
    "new": lambda context: ~context.states(),
    "learn": lambda context: context.states(Q(state__in=[CardState.State.LEARNING, CardState.State.RELEARNING])),
    "review": lambda context: context.states(Q(state__in=[CardState.State.REVIEW, CardState.State.RELEARNING])),
    "due": lambda context: context.states(Q(due_at__lte=context.now))
    & ~Q(pk__in=cards_excluded_from_study(learner=context.viewer, now=context.now)),
    "suspended": lambda context: context.marks(Q(suspended=True)),
    "buried": lambda context: context.marks(Q(buried_until__gt=context.now)),
}


def _is(term: Term, context: SearchContext) -> Q:
    word = IS_WORDS.get(term.text.lower())
    if word is None:
        raise QueryError(f"Unknown “is:{term.text}”. Known: {', '.join(f'is:{name}' for name in IS_WORDS)}.")
    return word(context)


def _flag(term: Term, context: SearchContext) -> Q:
    if term.text not in {str(flag) for flag in CardMark.Flag.values}:
        raise QueryError(f"“flag:{term.text}” is not a flag; write flag:0 (no flag) to flag:7 ({', '.join(f'{flag.value} {flag.label.lower()}' for flag in CardMark.Flag if flag)}).")
    flag = int(term.text)
    if flag == CardMark.Flag.NONE:
        return ~context.marks(~Q(flag=CardMark.Flag.NONE))
    return context.marks(Q(flag=flag))


def _prop(term: Term, context: SearchContext) -> Q:
    match = PROPERTY.match(term.text)
    if match is None:
        raise QueryError(f"“prop:{term.text}” is not a comparison; write e.g. prop:ivl>=10 ({', '.join(PROPERTIES)} with = != < <= > >=).")
    name, op, number = match.group("name").lower(), match.group("op"), int(match.group("number"))
    prop = PROPERTIES.get(name)
    if prop is None:
        raise QueryError(f"Unknown property “{name}” in prop:; known: {', '.join(PROPERTIES)}.")
    low, high = prop.bounds(number, context)
    between = {"=": Q(**{f"{prop.column}__gte": low, f"{prop.column}__lt": high}), "<": Q(**{f"{prop.column}__lt": low}),
               "<=": Q(**{f"{prop.column}__lt": high}), ">": Q(**{f"{prop.column}__gte": high}), ">=": Q(**{f"{prop.column}__gte": low})}
    states = CardState.objects.annotate(**prop.annotations)
    condition = context.states(~between["="] if op == "!=" else between[op], states=states)
    if prop.new_card_value is not None and COMPARISONS[op](prop.new_card_value, number):
        condition |= ~context.states()
    return condition


@dataclass(frozen=True)
class Property:
    """A ``prop:`` name: the column of the learner's card state it compares, and the range of that column one whole value spans.

    ``bounds(n)`` is ``(low, high)``: the card's value is ``n`` when ``low <= column < high``.
    ``new_card_value`` is the value of a card never studied (None: it has none).
    """

    column: str
    bounds: Callable[[int, SearchContext], tuple]
    new_card_value: int | None = 0
    annotations: dict = field(default_factory=dict)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


PROPERTIES = {
    "ivl": Property(
        column="interval",
        bounds=lambda days, context: (days - 0.5, days + 0.5),
        annotations={"interval": DaysBetween(F("due_at"), F("last_review_at"))},
    ),
    "due": Property(
        column="due_at",
        bounds=lambda days, context: (_day_start(context.today + timedelta(days=days)), _day_start(context.today + timedelta(days=days + 1))),
        new_card_value=None,
    ),
    "reps": Property(column="reps", bounds=lambda count, context: (count, count + 1)),
    "lapses": Property(column="lapses", bounds=lambda count, context: (count, count + 1)),
}

WORDS: dict[str, Callable[[Term, SearchContext], Q]] = {
    "deck": _deck, "tag": _tag, "note": _note_type, "is": _is, "flag": _flag, "prop": _prop,
}
EXAMPLES = {"deck": "deck:Spanish", "tag": "tag:verb", "note": "note:Cloze", "is": "is:due", "flag": "flag:1", "prop": "prop:ivl>=10"}
