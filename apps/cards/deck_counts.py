"""The deck list's New / Learning / Due counts, as Anki shows them; the study app provides them.

The counts come from study state, which the cards app never imports: the study app
installs the function that computes them at start-up (``count_decks_with`` from its
AppConfig.ready). Without a provider the deck list shows no counts.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Sequence

from apps.cards.models import Deck


@dataclass(frozen=True)
class DeckCounts:
    """What studying a deck (with the decks inside it) offers now: new cards, learning cards, due reviews, within today's limits."""

    new: int
    learning: int
    due: int


DeckCountsProvider = Callable[..., dict[int, DeckCounts]]
_provider: DeckCountsProvider | None = None


def count_decks_with(provider: DeckCountsProvider | None) -> DeckCountsProvider | None:
    """Install the function ``(user=, decks=, now=) -> {deck id: DeckCounts}``; return the one it replaces."""
    global _provider
    previous, _provider = _provider, provider
    return previous


def deck_counts(*, user, decks: Sequence[Deck], now: datetime) -> dict[int, DeckCounts]:
    """Each deck's counts (its own cards and those of the listed decks inside it); empty without a provider."""
    return {} if _provider is None else _provider(user=user, decks=decks, now=now)
