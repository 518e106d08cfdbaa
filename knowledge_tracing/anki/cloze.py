"""Anki's cloze deletions: ``{{c1::answer}}``, ``{{c2::answer::hint}}``, ``{{c1,2::shared}}``, nested clozes.

A field is read into a tree of text and clozes the way Anki reads it (rslib/src/cloze.rs):
an opening marker ``{{c<numbers>::`` and the next ``}}`` enclose a cloze, clozes may
nest, and the text of a cloze after its first ``::`` is its hint. Card N of a cloze note
(ordinal N - 1) asks for every cloze numbered N: on the question side each shows
``[...]`` (or ``[hint]``), on the answer side its text; the other clozes show their
text on both sides. The markup is a ``<span class="cloze">`` (asked) or
``<span class="cloze-inactive">`` (the others), as Anki's, without Anki's data
attributes: the question side never carries the answer.

Reading is linear in the field's length; clozes nested deeper than
``MAX_CLOZE_NESTING`` are read as plain text, as Anki stops opening them at that depth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_CLOZE_NESTING = 10
# Anki gives a cloze note at most 500 cards: a cloze numbered over 500 is on the 500th card.
MAX_CLOZE_NUMBER = 500

TOKEN = re.compile(r"\{\{c([\d,]+)::|\}\}")


@dataclass
class Cloze:
    numbers: frozenset[int]
    parts: list[str | Cloze] = field(default_factory=list)
    hint: str | None = None

    def text(self) -> str:
        """The cloze's own text with its inner clozes' texts, without markers or hints."""
        return "".join(part if isinstance(part, str) else part.text() for part in self.parts)


def parse_clozes(text: str) -> list[str | Cloze]:
    """The field as top-level text and clozes; an unmatched ``}}`` stays text, an unclosed cloze is dropped with its markers."""
    output: list[str | Cloze] = []
    open_clozes: list[Cloze] = []
    position = 0

    def add_text(piece: str) -> None:
        if not piece:
            return
        if open_clozes:
            cloze = open_clozes[-1]
            if "::" in piece:
                piece, cloze.hint = piece.split("::", 1)
            cloze.parts.append(piece)
        else:
            output.append(piece)

    for match in TOKEN.finditer(text):
        add_text(text[position : match.start()])
        position = match.end()
        if match.group(1) is not None:
            numbers = frozenset(int(number) for number in match.group(1).split(",") if number)
            if numbers and len(open_clozes) < MAX_CLOZE_NESTING:
                open_clozes.append(Cloze(numbers=numbers))
            else:
                add_text(match.group(0))
        elif open_clozes:
            closed = open_clozes.pop()
            (open_clozes[-1].parts if open_clozes else output).append(closed)
        else:
            add_text("}}")
    add_text(text[position:])
    while open_clozes:  # unclosed: its text is kept, as Anki keeps it
        unclosed = open_clozes.pop()
        (open_clozes[-1].parts if open_clozes else output).extend(unclosed.parts)
    return output


def _walk(nodes: list[str | Cloze]):
    for node in nodes:
        if isinstance(node, Cloze):
            yield node
            yield from _walk(node.parts)


def cloze_numbers(text: str) -> set[int]:
    """The cloze numbers (1 and up) that occur in the text, nested ones included."""
    return {number for cloze in _walk(parse_clozes(text)) for number in cloze.numbers if number > 0}


def cloze_card_ordinal(number: int) -> int:
    """The ordinal of the card that asks cloze ``number`` (Anki's ``card.ord``)."""
    return min(number, MAX_CLOZE_NUMBER) - 1


def reveal_clozes(text: str, number: int, *, question: bool) -> str:
    """The text as card ``number`` shows it on the question or the answer side; "" when no cloze of that number is in it."""
    found = False

    def render(nodes: list[str | Cloze]) -> str:
        nonlocal found
        pieces = []
        for node in nodes:
            if isinstance(node, str):
                pieces.append(node)
            elif number in node.numbers:
                found = True
                inner = render(node.parts)  # still marks inner clozes as found
                shown = f"[{node.hint if node.hint is not None else '...'}]" if question else inner
                pieces.append(f'<span class="cloze">{shown}</span>')
            else:
                pieces.append(f'<span class="cloze-inactive">{render(node.parts)}</span>')
        return "".join(pieces)

    rendered = render(parse_clozes(text))
    return rendered if found else ""


def asked_texts(text: str, number: int, *, question: bool) -> list[str]:
    """What each cloze of ``number`` hides: its hint (``...`` without one) on the question side, its text on the answer side."""
    return [
        (cloze.hint if cloze.hint is not None else "...") if question else cloze.text()
        for cloze in _walk(parse_clozes(text))
        if number in cloze.numbers
    ]


def cloze_only(text: str, number: int, *, question: bool) -> str:
    """Anki's ``cloze-only`` filter: only what the asked clozes hide, comma-separated."""
    return ", ".join(asked_texts(text, number, question=question))


def typed_cloze_answer(text: str, number: int) -> str:
    """The answer to type for card ``number``: the asked clozes' texts, once when they are all the same."""
    answers = asked_texts(text, number, question=False)
    if answers and len(set(answers)) == 1:
        return answers[0]
    return ", ".join(answers)


def strip_clozes(text: str) -> str:
    """The text with every cloze replaced by its text (no markers, no hints), HTML kept."""

    def render(nodes: list[str | Cloze]) -> str:
        return "".join(node if isinstance(node, str) else render(node.parts) for node in nodes)

    return render(parse_clozes(text))

