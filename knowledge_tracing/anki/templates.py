"""Anki card templates: parse once, render a card's two sides from a note's fields, bounded.

The syntax is Anki's (docs.ankiweb.net/templates/fields.html, rslib/src/template.rs):
``{{Field}}``, ``{{FrontSide}}``, conditionals ``{{#Field}}...{{/Field}}`` (shown when the
field is not empty) and ``{{^Field}}...{{/Field}}`` (shown when it is), and filters
applied right to left: ``{{text:Field}}`` (HTML removed), ``{{hint:Field}}``,
``{{cloze:Text}}``, ``{{cloze-only:Text}}``, ``{{type:Field}}`` and ``{{type:cloze:Text}}``,
``{{furigana:}}``/``{{kanji:}}``/``{{kana:}}`` and ``{{tts ...:}}`` (its text is shown).
Special fields: Tags, Type, Deck, Subdeck, Card, CardFlag, CardID. Field values are
inserted once and never read as template text, so a field holding ``{{Back}}`` shows
those characters and a template cannot expand itself.

What Anki would refuse (a field or filter it does not know) is reported in
``RenderedCard.problems`` and rendered as nothing (unknown field) or left out
(unknown filter), never executed. A template that cannot be read (an unclosed or
mismatched conditional, conditionals nested deeper than ``MAX_CONDITIONAL_NESTING``, more
than ``MAX_TEMPLATE_CHARS``) raises ``TemplateError``, and so does a side that grows
past ``MAX_RENDERED_CHARS`` while it renders (``{{FrontSide}}`` repeated a thousand times).

Nothing here sanitises: the output is HTML built from the note's fields and the
template, and the app cleans it before showing it (``apps.cards.rendering``).
``{{type:...}}`` becomes a plain text input on the question side and the expected
answer on the answer side; a hint becomes a ``<details>`` element: no script is
written by the renderer.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from knowledge_tracing.anki import cloze

MAX_TEMPLATE_CHARS = 100_000
MAX_CONDITIONAL_NESTING = 20
MAX_RENDERED_CHARS = 200_000
FRONT_SIDE = "FrontSide"
SPECIAL_FIELDS = ("FrontSide", "Tags", "Type", "Deck", "Subdeck", "Card", "CardFlag", "CardID")

HANDLEBAR = re.compile(r"\{\{(.*?)\}\}|<!--.*?-->", re.DOTALL)
EMPTY_FIELD = re.compile(r"^(?:\s|</?(?:br|div) ?/?>)*$", re.IGNORECASE)
ANSWER_RULE = re.compile(r"<hr\s+id\s*=\s*[\"']?answer[\"']?\s*/?>", re.IGNORECASE)
RUBY = re.compile(r" ?([^ >]+?)\[(.+?)\]")
CLOZE_CONDITIONAL = re.compile(r"^c\d+$")  # {{#c2}}...{{/c2}}: shown on card 2 only
EDGE_SPACE = re.compile(r"^(?:\s|<br\s*/?>)+|(?:\s|<br\s*/?>)+$", re.IGNORECASE)


class TemplateError(ValueError):
    """A template that cannot be rendered; the message says where and why."""


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Replacement:
    key: str
    filters: tuple[str, ...]  # in the order they apply: the one next to the field first


@dataclass(frozen=True)
class Conditional:
    key: str
    negated: bool
    children: tuple


Node = Text | Replacement | Conditional


@lru_cache(maxsize=512)
def parse_template(template: str) -> tuple[Node, ...]:
    """The template's nodes, or TemplateError; cached, since every card of a note type reads the same templates."""
    if len(template) > MAX_TEMPLATE_CHARS:
        raise TemplateError(f"a template may be at most {MAX_TEMPLATE_CHARS:,} characters long (this one is {len(template):,})")
    stack: list[tuple[str | None, bool, list[Node]]] = [(None, False, [])]
    position = 0
    for match in HANDLEBAR.finditer(template):
        nodes = stack[-1][2]
        if match.start() > position:
            nodes.append(Text(template[position : match.start()]))
        position = match.end()
        if match.group(1) is None:  # a comment: kept as text, as Anki keeps it
            nodes.append(Text(match.group(0)))
            continue
        inner = match.group(1).lstrip("{").strip()
        opener = inner[:1] if len(inner) >= 2 else ""
        if opener in ("#", "^"):
            if len(stack) > MAX_CONDITIONAL_NESTING:
                raise TemplateError(f"conditionals may nest at most {MAX_CONDITIONAL_NESTING} deep")
            stack.append((inner[1:].strip(), opener == "^", []))
        elif opener == "/":
            key, negated, children = stack[-1]
            closed = inner[1:].strip()
            if key is None:
                raise TemplateError(f"{{{{/{closed}}}}} closes a conditional that is not open")
            if closed != key:
                raise TemplateError(f"{{{{/{closed}}}}} found where {{{{/{key}}}}} was expected")
            stack.pop()
            stack[-1][2].append(Conditional(key=key, negated=negated, children=tuple(children)))
        else:
            key, *filters = reversed(inner.split(":"))
            nodes.append(Replacement(key=key.strip(), filters=tuple(name.strip() for name in filters)))
    if len(stack) > 1:
        raise TemplateError(f"{{{{#{stack[-1][0]}}}}} is not closed (add {{{{/{stack[-1][0]}}}}})")
    if position < len(template):
        stack[0][2].append(Text(template[position:]))
    return tuple(stack[0][2])


def field_is_empty(value: str) -> bool:
    """As Anki: nothing but whitespace and empty ``<br>``/``<div>`` tags."""
    return bool(EMPTY_FIELD.match(value))


def front_is_empty(template: str, nonempty_fields: set[str]) -> bool:
    """Whether the question template shows no non-empty field (Anki then generates no card for it).

    A replacement of a non-empty field is enough; text alone is not; a conditional counts
    only when it would be shown.
    """

    def empty(nodes) -> bool:
        for node in nodes:
            if isinstance(node, Replacement) and node.key in nonempty_fields:
                return False
            if isinstance(node, Conditional) and (node.key in nonempty_fields) != node.negated and not empty(node.children):
                return False
        return True

    return empty(parse_template(template))


@dataclass(frozen=True)
class RenderedCard:
    """A card's sides: ``question`` and ``answer`` as Anki shows them, and ``back``, what the answer adds.

    Mnemo shows a card's front, then its back under it: ``back`` is the answer after
    ``<hr id=answer>`` (Anki's reviewer scrolls to it), or, without one, the answer
    with ``{{FrontSide}}`` left empty. Both ends are trimmed of whitespace and ``<br>``.
    """

    question: str
    answer: str
    back: str
    problems: tuple[str, ...]


class _Output:
    """Rendered pieces with their total length held under MAX_RENDERED_CHARS."""

    def __init__(self, side: str) -> None:
        self.side = side
        self.pieces: list[str] = []
        self.length = 0

    def add(self, piece: str) -> None:
        self.length += len(piece)
        if self.length > MAX_RENDERED_CHARS:
            raise TemplateError(f"the {self.side} renders to more than {MAX_RENDERED_CHARS:,} characters")
        self.pieces.append(piece)

    def text(self) -> str:
        return "".join(self.pieces)


class _Renderer:
    def __init__(self, fields: Mapping[str, str], card_ordinal: int, problems: list[str]) -> None:
        self.fields = fields
        self.nonempty = {name for name, value in fields.items() if not field_is_empty(value)}
        self.card_ordinal = card_ordinal
        self.problems = problems

    def render(self, template: str, *, side: str, front_side: str | None) -> str:
        output = _Output(side)
        self._render_nodes(parse_template(template), output, front_side)
        return output.text()

    def _report(self, problem: str) -> None:
        if problem not in self.problems:
            self.problems.append(problem)

    def _render_nodes(self, nodes, output: _Output, front_side: str | None) -> None:
        for node in nodes:
            if isinstance(node, Text):
                output.add(node.text)
            elif isinstance(node, Conditional):
                if node.key not in self.fields and not CLOZE_CONDITIONAL.match(node.key):
                    self._report(f"{{{{{'^' if node.negated else '#'}{node.key}}}}}: there is no field called {node.key!r}")
                if (node.key in self.nonempty) != node.negated:
                    self._render_nodes(node.children, output, front_side)
            elif node.key == FRONT_SIDE:
                output.add(front_side or "")
            elif not node.key:
                continue  # a filter with no field ({{tts en_US:}}) has nothing to show
            elif node.key not in self.fields:
                self._report(f"{{{{{node.key}}}}}: there is no field called {node.key!r}")
            else:
                output.add(self._filtered(node, question=front_side is None))

    def _filtered(self, node: Replacement, *, question: bool) -> str:
        text = self.fields[node.key]
        filters = node.filters
        if filters and filters[-1] == "type":  # the typed answer replaces whatever the other filters made
            return self._typed_answer(node.key, cloze_field="cloze" in filters[:-1], question=question)
        number = self.card_ordinal + 1
        for name in filters:
            if name == "text":
                text = plain_text(text)
            elif name == "cloze":
                text = cloze.reveal_clozes(text, number, question=question)
            elif name == "cloze-only":
                text = cloze.cloze_only(text, number, question=question)
            elif name == "hint":
                text = _hint(text, node.key)
            elif name in ("furigana", "kanji", "kana"):
                text = _ruby(text, name)
            elif name == "" or name.startswith("tts "):
                continue  # Mnemo does not speak: the text is shown as it is
            else:
                self._report(f"{{{{{':'.join((*reversed(filters), node.key))}}}}}: unknown filter {name!r} (left out)")
        return text

    def _typed_answer(self, key: str, *, cloze_field: bool, question: bool) -> str:
        if question:
            return '<input type="text" class="type-answer" autocomplete="off" autocapitalize="off" spellcheck="false" aria-label="Type the answer">'
        value = self.fields[key]
        expected = cloze.typed_cloze_answer(value, self.card_ordinal + 1) if cloze_field else value
        return f'<code class="type-answer">{html.escape(plain_text(expected).strip())}</code>'


def plain_text(markup: str) -> str:
    """The text of an HTML fragment: comments and tags removed, entities decoded (Anki's ``strip_html``)."""
    without_comments = re.sub(r"<!--.*?-->", "", markup, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]*>", "", without_comments))


def _hint(text: str, field_name: str) -> str:
    if not text.strip():
        return text
    return f'<details class="hint"><summary>{html.escape(field_name)}</summary>{text}</details>'


def _ruby(text: str, name: str) -> str:
    """Anki's Japanese reading filters on ``漢字[かんじ]``: ruby markup, the base only, or the reading only."""

    def replace(match: re.Match) -> str:
        base, reading = match.group(1), match.group(2)
        if reading.startswith("sound:"):
            return match.group(0)
        if name == "kanji":
            return base
        if name == "kana":
            return reading
        return f"<ruby><rb>{base}</rb><rt>{reading}</rt></ruby>"

    return RUBY.sub(replace, text.replace("&nbsp;", " "))


def _trimmed(side: str) -> str:
    return EDGE_SPACE.sub("", side)


def render_card(
    *, front_template: str, back_template: str, fields: Mapping[str, str], card_ordinal: int, special: Mapping[str, str] | None = None
) -> RenderedCard:
    """Both sides of the card with ``card_ordinal`` (its template's, or cloze number - 1) from the note's fields.

    ``special`` gives the special fields' values (Tags, Type, Deck, ...); a note field of
    the same name wins, as in Anki. As in Anki, ``c<N>`` is a non-empty field on card N
    (ordinal N - 1), so ``{{#c2}}...{{/c2}}`` shows only on that card.
    """
    problems: list[str] = []
    renderer = _Renderer({f"c{card_ordinal + 1}": "1", **(special or {}), **fields}, card_ordinal, problems)
    question = renderer.render(front_template, side="front", front_side=None)
    answer = renderer.render(back_template, side="back", front_side=question)
    rule = ANSWER_RULE.search(answer)
    if rule is not None:
        back = answer[rule.end() :]
    elif FRONT_SIDE in back_template:
        back = renderer.render(back_template, side="back", front_side="")
    else:
        back = answer
    return RenderedCard(question=_trimmed(question), answer=_trimmed(answer), back=_trimmed(back), problems=tuple(problems))
