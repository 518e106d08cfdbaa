"""Anki's "study more" once a session is over: extra new cards today, review ahead, review today's forgotten cards.

``study_more_offers`` says how many cards each would offer now (only those with cards
are offered); ``study_more_start`` starts that kind of session. What each kind shows
is decided where every session's candidates are (``selectors.study_candidates``).
"""

from datetime import datetime

from django.db.models import Q

from apps.cards.models import Card, Deck
from apps.study.models import CardState, StudySession
from apps.study.presets import deck_preset
from apps.study.selectors import (
    REVIEW_AHEAD,
    cards_excluded_from_study,
    daily_counts,
    forgotten_today,
    learning_today_condition,
    new_per_day_today,
    study_decks,
)
from apps.study.services import study_session_start

EXTRA_NEW_CARDS = 10


def study_more_offers(*, learner, deck: Deck, now: datetime) -> dict[str, int]:
    """How many cards each kind of "study more" would show now, for the kinds that have any."""
    decks = study_decks(learner=learner, deck=deck)
    excluded = cards_excluded_from_study(learner=learner, now=now)
    studied = CardState.objects.filter(learner=learner, deck__in=decks).values("card_id")
    states = CardState.objects.filter(learner=learner, deck__in=decks, card__deleted_at__isnull=True).exclude(card_id__in=excluded)
    offers = {
        StudySession.Kind.EXTRA_NEW: min(
            EXTRA_NEW_CARDS, Card.objects.filter(deck__in=decks).exclude(id__in=studied).exclude(id__in=excluded).count()
        ),
        StudySession.Kind.REVIEW_AHEAD: states.filter(Q(due_at__gt=now, due_at__lte=now + REVIEW_AHEAD) & ~learning_today_condition(now)).count(),
        StudySession.Kind.FORGOTTEN: states.filter(card_id__in=forgotten_today(learner=learner, decks=decks, now=now)).count(),
    }
    return {kind: count for kind, count in offers.items() if count}


def study_more_start(*, learner, deck: Deck, kind: str, now: datetime) -> StudySession:
    """A "study more" session of ``kind``; extra new cards raise the deck's new-card limit by ``EXTRA_NEW_CARDS`` for the rest of today.

    The raised limit is the session's ``new_limit``; every session of the deck reads
    it until midnight (``selectors.new_per_day_today``), as Anki's custom study.
    """
    new_limit = None
    if kind == StudySession.Kind.EXTRA_NEW:
        studied_today = daily_counts(learner=learner, decks=study_decks(learner=learner, deck=deck), now=now).new_cards
        limit_today = new_per_day_today(learner=learner, deck=deck, preset=deck_preset(deck), now=now)
        new_limit = max(studied_today, limit_today) + EXTRA_NEW_CARDS
    return study_session_start(learner=learner, deck=deck, now=now, kind=kind, new_limit=new_limit)
