"""Deck options presets: which preset a deck uses, the owner's Default preset, choosing one, and Anki's step syntax.

A deck uses the preset its owner chose (``DeckPreset``), else the owner's ``Default``
preset, made the first time it is needed with Anki's defaults. Whoever studies the deck
(its owner, or anyone studying it while it is public) studies it with its preset, as an
Anki deck is studied with its options.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.db import IntegrityError, transaction

from apps.cards.models import Deck
from apps.study.answer_sql import deck_preset_row
from apps.study.models import DEFAULT_PRESET_NAME, DeckPreset, StudyPreset

MAX_STEPS = 10
MAX_STEP = timedelta(days=30)
STEP_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
STEP_PATTERN = re.compile(r"(\d{1,6})([smhd])")


def steps_parse(text: str) -> tuple[timedelta, ...]:
    """``"1m 10m"`` -> (1 minute, 10 minutes); ValueError with a message a person can act on.

    Anki's syntax: whole numbers with a unit (s, m, h, d) separated by spaces; no steps
    at all is allowed (a new card then graduates on its first answer).
    """
    steps = []
    for word in text.split():
        match = STEP_PATTERN.fullmatch(word.lower())
        if match is None:
            raise ValueError(f"“{word[:20]}” is not a step: write a whole number and a unit, such as 30s, 10m, 1h or 1d")
        step = timedelta(seconds=int(match.group(1)) * STEP_UNITS[match.group(2)])
        if not timedelta(seconds=1) <= step <= MAX_STEP:
            raise ValueError(f"a step lasts from 1 second to {MAX_STEP.days} days, not {word}")
        steps.append(step)
    if len(steps) > MAX_STEPS:
        raise ValueError(f"at most {MAX_STEPS} steps")
    return tuple(steps)


def preset_default_for(owner) -> StudyPreset:
    """The owner's Default preset, made with Anki's defaults the first time it is asked for."""
    preset = StudyPreset.objects.filter(owner=owner, name=DEFAULT_PRESET_NAME).first()
    if preset is not None:
        return preset
    try:
        with transaction.atomic():
            return StudyPreset.objects.create(owner=owner, name=DEFAULT_PRESET_NAME)
    except IntegrityError:  # made at the same moment by another request
        return StudyPreset.objects.get(owner=owner, name=DEFAULT_PRESET_NAME)


_remembered_presets: ContextVar[dict[int, StudyPreset] | None] = ContextVar("remembered_deck_presets", default=None)


@contextmanager
def deck_presets_remembered() -> Iterator[None]:
    """Within the block, ``deck_preset`` looks each deck's preset up once.

    An answer through the API reads its deck's preset three times (the answer's
    schedule, the next card's limits, the next card's grade buttons); a request that
    changes no preset wraps itself in this so that the three are one query.
    """
    token = _remembered_presets.set({})
    try:
        yield
    finally:
        _remembered_presets.reset(token)


def deck_preset(deck: Deck | int) -> StudyPreset:
    """The preset ``deck`` (a deck or its id) uses: the one its owner chose, else their Default preset.

    One statement once that exists (``answer_sql.deck_preset_row``); none for a deck
    already looked up inside ``deck_presets_remembered``.
    """
    deck_id = deck.pk if isinstance(deck, Deck) else deck
    remembered = _remembered_presets.get()
    if remembered is not None and deck_id in remembered:
        return remembered[deck_id]
    preset = deck_preset_row(deck_id)
    if preset is None:
        preset = preset_default_for(deck.owner if isinstance(deck, Deck) else Deck.all_objects.get(pk=deck_id).owner)
    if remembered is not None:
        remembered[deck_id] = preset
    return preset


def deck_preset_choose(*, deck: Deck, preset: StudyPreset) -> None:
    """Make ``deck`` use ``preset``; both must be the same person's (the views check that they are the requester's)."""
    if preset.owner_id != deck.owner_id:
        raise ValueError("a deck can only use a preset of its owner")
    DeckPreset.objects.update_or_create(deck=deck, defaults={"preset": preset})
