"""Deck names as Anki writes them: ``Languages::Spanish::Verbs`` names a deck and, by its parts, every deck above it.

Only the rules of a name live here (no database): a deck's title is its full name, each
part trimmed, none empty, no control characters, at most ``DECK_NAME_MAX_CHARS`` in
all and ``DECK_MAX_DEPTH`` parts deep. Two names are the same deck when they agree
ignoring case, as in Anki.
"""

import re

SEPARATOR = "::"
DECK_NAME_MAX_CHARS = 500
DECK_MAX_DEPTH = 20
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


class DeckNameError(ValueError):
    """A deck name that cannot be used; the message says why."""


def deck_name_parts(raw: str) -> list[str]:
    """The parts of a deck name, trimmed; DeckNameError when one is empty, or the name is too long or too deep."""
    if CONTROL_CHARACTERS.search(raw):
        raise DeckNameError("a deck name cannot hold control characters (tabs, line breaks)")
    parts = [part.strip() for part in raw.split(SEPARATOR)]
    if any(not part for part in parts):
        raise DeckNameError(f"every part of a deck name between {SEPARATOR} needs a name (got {raw[:80]!r})")
    if len(parts) > DECK_MAX_DEPTH:
        raise DeckNameError(f"decks may nest at most {DECK_MAX_DEPTH} levels deep (this name has {len(parts)})")
    name = SEPARATOR.join(parts)
    if len(name) > DECK_NAME_MAX_CHARS:
        raise DeckNameError(f"a deck's full name may be at most {DECK_NAME_MAX_CHARS} characters long (this one has {len(name):,})")
    return parts


def deck_name(raw: str) -> str:
    """The name in its stored form (``A :: B`` becomes ``A::B``), or DeckNameError."""
    return SEPARATOR.join(deck_name_parts(raw))


def parent_names(name: str) -> list[str]:
    """The full names of the decks above ``name``, the top one first: ``A::B::C`` -> ``A``, ``A::B``."""
    parts = name.split(SEPARATOR)
    return [SEPARATOR.join(parts[:length]) for length in range(1, len(parts))]


def same_deck_name(first: str, second: str) -> bool:
    return first.lower() == second.lower()


def is_within(name: str, ancestor: str) -> bool:
    """Whether ``name`` is ``ancestor`` or a deck below it."""
    return same_deck_name(name, ancestor) or name.lower().startswith(ancestor.lower() + SEPARATOR)
