"""The load benches' data, in the bench's own database: a public deck, learners with API tokens, and the check of what was stored.

Import after ``django.setup()``.
"""

from __future__ import annotations

import random
import uuid

N_CARDS = 500
SATURATION_LEARNERS = 16
HISTORY_LEARNERS = 40
HISTORY_LOGS_PER_LEARNER = 60


def populate(n_learners: int, with_history: bool) -> tuple[str, list[str]]:
    """The deck (its preset with high daily limits: the closed loop answers many cards), the learners and their tokens."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from apps.accounts.services import api_token_create
    from apps.cards.models import Card, Deck
    from apps.cards.note_services import BasicCardText, basic_notes_bulk_create
    from apps.study.models import DEFAULT_PRESET_NAME, StudyLog, StudyPreset

    users = get_user_model().objects
    owner = users.create_user(username="bench-owner")
    deck = Deck.objects.create(owner=owner, title="Load deck", visibility=Deck.Visibility.PUBLIC)
    basic_notes_bulk_create(cards=[BasicCardText(deck=deck, front=f"Question {i}", back=f"Answer {i}", tags=["load"]) for i in range(N_CARDS)])
    learners = users.bulk_create([get_user_model()(username=f"load-learner-{i}") for i in range(n_learners + SATURATION_LEARNERS)])
    StudyPreset.objects.create(owner=owner, name=DEFAULT_PRESET_NAME, new_per_day=1000, reviews_per_day=10000)
    if with_history:  # imported history for the training runs of --faults (answers without showings)
        rng = random.Random(0)
        cards = list(Card.objects.filter(deck=deck).order_by("id")[:100])
        historians = users.bulk_create([get_user_model()(username=f"history-learner-{i}") for i in range(HISTORY_LEARNERS)])
        now = timezone.now()
        StudyLog.objects.bulk_create([
            StudyLog(
                log_uuid=uuid.uuid4(), learner=learner, card=rng.choice(cards), deck=deck,
                shown_at=now - timedelta(days=30 - step * 0.5), answered_at=now - timedelta(days=30 - step * 0.5, seconds=-3),
                response_ms=3000, outcome=(outcome := rng.random() < 0.7), grade=3 if outcome else 1, policy="fsrs",
            )
            for learner in historians for step in range(HISTORY_LOGS_PER_LEARNER)
        ])
    return str(deck.uuid), [api_token_create(user=learner) for learner in learners]


def stored_logs(acknowledged: set[str]) -> dict:
    from django.db.models import Count

    from apps.study.models import StudyLog

    live = StudyLog.objects.filter(learner__username__startswith="load-learner-")
    stored = {str(value) for value in live.values_list("log_uuid", flat=True)}
    by_uuid = live.values("log_uuid").annotate(n=Count("id")).filter(n__gt=1).count()
    by_showing = live.exclude(shown=None).values("shown").annotate(n=Count("id")).filter(n__gt=1).count()
    return {
        "logs_stored": live.count(),
        "duplicates": by_uuid + by_showing,
        "acknowledged_not_stored": len(acknowledged - stored),
        "stored_not_acknowledged": len(stored - acknowledged),
    }
