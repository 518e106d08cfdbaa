"""Which learners' logs a model is trained on and serves: everyone, one deck's, or one cohort's members'.

A scope is stored as a short key (``all``, ``deck:<id>``, ``cohort:<id>``) on runs and
versions, so the active version of a scope is one indexed lookup. Each scope that
names an object is described once in ``TARGETS`` (its model, and how study logs are
narrowed to it); parsing, keys, data sets and triggers all read that table.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import models

from apps.accounts.models import Cohort
from apps.cards.models import Deck

ALL = "all"


@dataclass(frozen=True)
class Target:
    """A kind of object a scope can name: its model, and the study-log lookup that selects its logs."""

    model: type[models.Model]
    log_lookup: str


TARGETS = {
    "deck": Target(model=Deck, log_lookup="deck_id"),
    "cohort": Target(model=Cohort, log_lookup="learner__cohorts"),
}
SCOPE_SYNTAX = "'all', " + ", ".join(f"'{name}:<id or uuid>'" for name in TARGETS)


@dataclass(frozen=True)
class Scope:
    """All learners (``kind`` ``all``), or the object ``target_id`` of one of the ``TARGETS`` kinds."""

    kind: str = ALL
    target_id: int | None = None

    def __post_init__(self) -> None:
        if self.kind != ALL and self.kind not in TARGETS:
            raise ValueError(f"unknown scope kind {self.kind!r}; scopes are {SCOPE_SYNTAX}")
        if (self.target_id is None) != (self.kind == ALL):
            raise ValueError(f"scope {self.kind!r} needs {'no' if self.kind == ALL else 'an'} id")

    @property
    def key(self) -> str:
        return ALL if self.kind == ALL else f"{self.kind}:{self.target_id}"

    @property
    def deck_id(self) -> int | None:
        return self.target_id if self.kind == "deck" else None

    @property
    def cohort_id(self) -> int | None:
        return self.target_id if self.kind == "cohort" else None

    def target_fields(self) -> dict:
        """The ``deck_id`` and ``cohort_id`` a run or version of this scope stores (None when not its kind)."""
        return {"deck_id": self.deck_id, "cohort_id": self.cohort_id}

    def log_filter(self) -> dict:
        """Keyword arguments that narrow a ``StudyLog`` query set to this scope."""
        return {} if self.kind == ALL else {TARGETS[self.kind].log_lookup: self.target_id}

    @classmethod
    def of_deck(cls, deck: Deck | None) -> "Scope":
        return cls() if deck is None else cls("deck", deck.pk)

    @classmethod
    def of_cohort(cls, cohort: Cohort) -> "Scope":
        return cls("cohort", cohort.pk)

    @classmethod
    def of_targets(cls, *, deck: Deck | None = None, cohort: Cohort | None = None) -> "Scope":
        """The scope of at most one chosen object (none: all learners); ValueError when both are chosen."""
        if deck is not None and cohort is not None:
            raise ValueError("a scope is a deck or a cohort, not both")
        return cls.of_cohort(cohort) if cohort is not None else cls.of_deck(deck)

    @classmethod
    def from_key(cls, key: str) -> "Scope":
        if key == ALL:
            return cls()
        kind, _, value = key.partition(":")
        if kind not in TARGETS or not value.isdigit():
            raise ValueError(f"unknown scope {key!r}")
        return cls(kind, int(value))

    @classmethod
    def parse(cls, text: str) -> "Scope":
        """``all``, or ``<kind>:<id>`` / ``<kind>:<uuid>`` of an existing deck or cohort; ValueError otherwise."""
        if text == ALL:
            return cls()
        kind, _, value = text.partition(":")
        if kind not in TARGETS or not value:
            raise ValueError(f"scope must be {SCOPE_SYNTAX}, got {text!r}")
        lookup = {"pk": int(value)} if value.isdigit() else {"uuid": _as_uuid(kind, value)}
        target = TARGETS[kind].model._default_manager.filter(**lookup).first()
        if target is None:
            raise ValueError(f"no {kind} {value!r}")
        return cls(kind, target.pk)


def _as_uuid(kind: str, value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValueError(f"{value!r} is neither a {kind} id nor a {kind} uuid") from None
