"""Which learners' logs a model is trained on and serves: everyone, or one deck.

A scope is stored as a short key (``all``, ``deck:<id>``) on runs and versions, so the
active version of a scope is one indexed lookup. Cohorts are not modelled by the
accounts app yet; when they are, ``cohort:<id>`` slots in here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from apps.cards.models import Deck

ALL = "all"


@dataclass(frozen=True)
class Scope:
    """All learners (``deck_id`` None) or the learners of one deck."""

    deck_id: int | None = None

    @property
    def key(self) -> str:
        return ALL if self.deck_id is None else f"deck:{self.deck_id}"

    @classmethod
    def of_deck(cls, deck: Deck | None) -> "Scope":
        return cls(deck_id=None if deck is None else deck.pk)

    @classmethod
    def from_key(cls, key: str) -> "Scope":
        if key == ALL:
            return cls()
        kind, _, value = key.partition(":")
        if kind != "deck" or not value.isdigit():
            raise ValueError(f"unknown scope {key!r}")
        return cls(deck_id=int(value))

    @classmethod
    def parse(cls, text: str) -> "Scope":
        """``all``, ``deck:<id>`` or ``deck:<uuid>`` (the deck must exist); ValueError otherwise."""
        if text == ALL:
            return cls()
        kind, _, value = text.partition(":")
        if kind != "deck" or not value:
            raise ValueError(f"scope must be 'all' or 'deck:<id or uuid>', got {text!r}")
        lookup = {"pk": int(value)} if value.isdigit() else {"uuid": _as_uuid(value)}
        deck = Deck.objects.filter(**lookup).first()
        if deck is None:
            raise ValueError(f"no deck {value!r}")
        return cls(deck_id=deck.pk)


def _as_uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValueError(f"{value!r} is neither a deck id nor a deck uuid") from None
