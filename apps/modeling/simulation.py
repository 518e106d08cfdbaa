"""Study logs from simulated learners, recorded through the real study service.

Each simulated learner (``knowledge_tracing.simulation``: FSRS-6 memory per learner,
transfer between cards that are close in embedding space) studies the deck once a
day for ``days`` days up to now: the study service starts a session, chooses each
card with the configured policy (and the active model, when one serves), and records
every answer exactly as the study page does, with the simulated grade and response time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

import numpy as np
from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.services import user_role_add
from apps.cards.models import Card, Deck
from apps.modeling.embeddings import card_embeddings_ensure
from apps.study.services import study_log_record, study_session_finish, study_session_next, study_session_start
from knowledge_tracing.simulation import CardNeighbours, SimulatedLearner, simulated_population

REVEAL_AND_GRADE_SECONDS = 4.0


@dataclass(frozen=True)
class SimulationResult:
    learners: int
    days: int
    logs: int
    accounts: list
    started_at: datetime
    """The start of the first simulated day."""


def simulated_learner_accounts(*, count: int, seed: int) -> list:
    """``sim-<seed>-<i>`` learner accounts (created once, unusable passwords)."""
    users = []
    for index in range(count):
        user, created = get_user_model().objects.get_or_create(username=f"sim-{seed}-{index:03d}")
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            user_role_add(user=user, role=roles.LEARNER)
        users.append(user)
    return users


def study_logs_simulate(
    *,
    deck: Deck,
    learners: int,
    days: int,
    seed: int = 0,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> SimulationResult:
    """``learners`` simulated learners study ``deck`` once a day on each of the ``days`` days before today."""
    if learners < 1 or days < 1:
        raise ValueError("learners and days must be at least 1")
    cards = list(Card.objects.filter(deck=deck).order_by("id"))
    if len(cards) < 2:
        raise ValueError(f"deck {deck.title!r} has {len(cards)} cards; simulating needs at least 2")
    vectors = card_embeddings_ensure(cards=cards)
    neighbours = CardNeighbours.from_embeddings(np.stack([vectors[card.content_hash] for card in cards]))
    index_of_card = {card.pk: index for index, card in enumerate(cards)}
    card_by_id = {card.pk: card for card in cards}
    population = simulated_population(learners, neighbours=neighbours, seed=seed)
    accounts = simulated_learner_accounts(count=learners, seed=seed)
    session_hours = np.random.default_rng(seed).uniform(8.0, 21.0, learners)
    now = now or timezone.now()
    first_day = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days)
    logs = 0
    for day in range(days):
        for account, learner, hour in zip(accounts, population, session_hours):
            start = first_day + timedelta(days=day, hours=float(hour))
            logs += _study_one_session(account, learner, deck, start, index_of_card, card_by_id)
        if progress:
            progress(day + 1)
    return SimulationResult(learners=learners, days=days, logs=logs, accounts=accounts, started_at=first_day)


def _study_one_session(account, learner: SimulatedLearner, deck, start, index_of_card, card_by_id) -> int:
    session = study_session_start(learner=account, deck=deck, now=start)
    moment, answered = start, 0
    while (shown := study_session_next(session=session, now=moment)) is not None:
        answer = learner.answer(index_of_card[shown.card_id], moment.timestamp())
        moment += timedelta(milliseconds=answer.response_ms)
        study_log_record(
            learner=account, card=card_by_id[shown.card_id], log_uuid=uuid.uuid4(), grade=answer.grade,
            response_ms=int(answer.response_ms), shown_uuid=shown.uuid, now=moment,
        )
        moment += timedelta(seconds=REVEAL_AND_GRADE_SECONDS)
        answered += 1
    study_session_finish(session=session, now=moment)
    return answered
