"""Anki's browser search text parsed into a small tree: terms joined by and / or, negated with ``-``, grouped in parentheses.

The grammar is Lark's (an LALR parser: linear time, no recursion while parsing):
terms side by side (or joined by ``and``) must all match, ``or`` between them needs
either, ``-`` negates the term or group after it. A term is ``word`` or ``key:value``;
double quotes keep spaces and parentheses inside one term (``"deck:My Deck"``,
``deck:"My Deck"``, ``"a phrase"``), a backslash makes the next character plain text
(``\\*``, ``\\:``, ``\\"``, ``\\(``), and ``*`` is a wildcard. This module knows nothing
of cards: ``apps.browser.search`` turns the tree into a database filter.

A query is at most ``MAX_QUERY_CHARS`` long, nests parentheses at most
``MAX_NESTING`` deep and holds at most ``MAX_TERMS`` terms; anything else is a
``QueryError`` whose message says what to change.
"""

import re
from dataclasses import dataclass

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

MAX_QUERY_CHARS = 1000
MAX_NESTING = 8
MAX_TERMS = 40

WILDCARD = None  # a ``*`` in a pattern's parts: any run of characters

GRAMMAR = r"""
?start: either?
?either: both (OR both)*
?both: factor (AND? factor)*
factor: NEG* atom
?atom: "(" either ")" | TERM

OR.2: /or(?![^\s()])/i
AND.2: /and(?![^\s()])/i
NEG: "-"
TERM: /(?:[^\s()"\\-]|\\.|"(?:[^"\\]|\\.)*")(?:[^\s()"\\]|\\.|"(?:[^"\\]|\\.)*")*/s
%import common.WS
%ignore WS
"""

KEY = re.compile(r"[a-z_]+", re.IGNORECASE)


class QueryError(ValueError):
    """A search the browser cannot run; the message says why, in words for the search box."""


@dataclass(frozen=True)
class Term:
    """``key:value`` (``key`` lower-cased) or free text (``key`` None).

    ``parts`` is the value split at its wildcards: plain text, with ``WILDCARD`` where
    the user typed an unescaped ``*`` (``"ve*b"`` -> ``("ve", WILDCARD, "b")``); ``text``
    is the value as typed without quotes and escapes, for words that take no wildcards.
    """

    key: str | None
    parts: tuple[str | None, ...]

    @property
    def text(self) -> str:
        return "".join("*" if part is WILDCARD else part for part in self.parts)

    @property
    def has_wildcard(self) -> bool:
        return WILDCARD in self.parts


@dataclass(frozen=True)
class Not:
    node: "Node"


@dataclass(frozen=True)
class All:
    nodes: tuple["Node", ...]


@dataclass(frozen=True)
class Any:
    nodes: tuple["Node", ...]


Node = Term | Not | All | Any

_PARSER = Lark(GRAMMAR, parser="lalr", lexer="basic", maybe_placeholders=False)


@v_args(inline=True)
class _ToNodes(Transformer):
    def either(self, *children):
        return Any(tuple(child for child in children if not isinstance(child, Token)))

    def both(self, *children):
        return All(tuple(child for child in children if not isinstance(child, Token)))

    def factor(self, *children):
        node = children[-1]
        node = _term(node) if isinstance(node, Token) else node
        return Not(node) if (len(children) - 1) % 2 else node

    def start(self, child=None):
        return child


def parse_query(text: str) -> Node | None:
    """The tree of ``text``, or None for a blank query (every card); QueryError when it cannot be read or breaks a limit."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"A search may be at most {MAX_QUERY_CHARS:,} characters long; this one has {len(text):,}.")
    if not text.strip():
        return None
    tokens = _tokens(text)
    _check_limits(tokens)
    try:
        tree = _PARSER.parse(text)
    except UnexpectedToken as error:
        raise QueryError(_unexpected(error.token, text)) from None
    except UnexpectedEOF:
        raise QueryError("The search ends too soon: a “-”, “or” or “(” needs something after it.") from None
    except LarkError as error:
        raise QueryError(f"This search cannot be read ({error.__class__.__name__}).") from None
    node = tree if isinstance(tree, Node) else _ToNodes().transform(tree)
    return _term(node) if isinstance(node, Token) else node


def _tokens(text: str) -> list[Token]:
    try:
        return list(_PARSER.lex(text))
    except UnexpectedCharacters as error:
        if text[error.pos_in_stream] == '"':
            raise QueryError(f"The quote at character {error.column} is never closed.") from None
        if text[error.pos_in_stream] == "\\":
            raise QueryError("A backslash at the end of the search escapes nothing; write \\\\ for a backslash.") from None
        raise QueryError(f"Unexpected “{text[error.pos_in_stream]}” at character {error.column}.") from None


def _check_limits(tokens: list[Token]) -> None:
    depth = deepest = terms = 0
    for token in tokens:
        if token.value == "(" and token.type != "TERM":
            depth += 1
            deepest = max(deepest, depth)
        elif token.value == ")" and token.type != "TERM":
            depth -= 1
        elif token.type == "TERM":
            terms += 1
    if deepest > MAX_NESTING:
        raise QueryError(f"Parentheses may nest at most {MAX_NESTING} deep; this search nests them {deepest} deep.")
    if terms > MAX_TERMS:
        raise QueryError(f"A search may hold at most {MAX_TERMS} terms; this one has {terms}.")


def _unexpected(token: Token, text: str) -> str:
    if token.type == "$END":
        return "The search ends too soon: a “-”, “or” or “(” needs something after it, and every “(” a “)”."
    if token.type == "RPAR":
        return f"Unexpected “)” at character {token.column}: parentheses need a term inside, and every “)” an “(” before it."
    return f"Unexpected “{token.value}” at character {token.column}: “and” and “or” go between two terms."


def _term(token: Token) -> Term:
    """The term as typed: quotes dropped, escapes resolved, split at ``key:`` and at unescaped wildcards."""
    characters: list[tuple[str, bool]] = []  # (character, escaped)
    raw, index = token.value, 0
    while index < len(raw):
        character = raw[index]
        if character == "\\":
            characters.append((raw[index + 1], True))
            index += 2
            continue
        if character != '"':
            characters.append((character, False))
        index += 1
    key = None
    plain = "".join(character for character, _ in characters)
    match = KEY.match(plain)
    if match and match.end() < len(characters) and characters[match.end()] == (":", False):
        if not any(escaped for _, escaped in characters[: match.end()]):
            key = match.group().lower()
            characters = characters[match.end() + 1 :]
    parts: list[str | None] = []
    for character, escaped in characters:
        if character == "*" and not escaped:
            if not parts or parts[-1] is not WILDCARD:
                parts.append(WILDCARD)
        elif parts and parts[-1] is not WILDCARD:
            parts[-1] += character
        else:
            parts.append(character)
    return Term(key=key, parts=tuple(parts))
