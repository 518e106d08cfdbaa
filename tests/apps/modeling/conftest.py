"""Fixtures of the modeling tests: decks with a few hundred study logs, and workers with the test's thresholds.

Study logs come from simulated learners: the library's simulator (FSRS-6 memory per
learner) studies the deck offline and the answers are stored as imported histories
(study logs without a showing), much faster than driving the study service answer by
answer; ``test_simulate_learners`` covers that path.
"""

import uuid
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from apps.cards.services import card_create, deck_create
from apps.modeling.models import ModelVersion, TrainingRun
from apps.modeling.scopes import Scope
from apps.modeling.simulation import simulated_learner_accounts
from apps.modeling.training import training_run_create, training_run_execute
from apps.study.models import StudyLog
from knowledge_tracing.policies import create_policy
from knowledge_tracing.simulation import CardNeighbours, simulated_population
from knowledge_tracing.simulation.study import StudyPlan, study_deck

SMALL_KARL = {"max_epochs": 2, "hidden": 4, "text_dim": 4, "c_grid": [0.1, 1.0]}
TOPICS = ("capital of", "river in", "mountain of", "element", "discovered by")


def seed_study_logs(deck, *, learners: int, days: int, seed: int = 0) -> int:
    """Simulated learners study ``deck`` for ``days`` days ending yesterday; returns the logs stored."""
    cards = list(deck.cards.order_by("id"))
    population = simulated_population(learners, neighbours=CardNeighbours.none(len(cards)), seed=seed)
    accounts = simulated_learner_accounts(count=learners, seed=seed)
    start = (datetime.now(timezone.utc) - timedelta(days=days + 1)).timestamp()
    plan = StudyPlan(days=days, daily_budget_seconds=240, new_per_day=8)
    rows = []
    for index, (account, learner) in enumerate(zip(accounts, population)):
        log = study_deck(learner, create_policy("fsrs"), plan, start_time=start + index * 60, rng=np.random.default_rng(seed + index))
        for card, moment, outcome, grade, response_ms in zip(log.card, log.time, log.outcome, log.grade, log.response_ms):
            answered = datetime.fromtimestamp(moment + response_ms / 1000, tz=timezone.utc)
            rows.append(
                StudyLog(
                    log_uuid=uuid.uuid4(), learner=account, card=cards[card], deck=deck,
                    shown_at=datetime.fromtimestamp(moment, tz=timezone.utc), answered_at=answered,
                    response_ms=int(response_ms), outcome=bool(outcome), grade=grade, policy="fsrs",
                )
            )
    StudyLog.objects.bulk_create(rows)
    return len(rows)


def make_deck(owner, *, cards: int = 30):
    deck = deck_create(owner=owner, title=f"Modeling deck {owner.decks.count() + 1}", visibility="public")
    for index in range(cards):
        card_create(deck=deck, front=f"{TOPICS[index % len(TOPICS)]} item {index}?", back=f"answer {index}", tags=[f"topic-{index % 5}"])
    return deck


@pytest.fixture
def seeded_deck(deck_with_logs):
    return deck_with_logs()


@pytest.fixture
def start_worker(start_worker, settings):
    """The shared ``start_worker``, its workers given this test's promotion and data thresholds."""

    def start(*, env: dict | None = None, **options):
        thresholds = {
            "MNEMO_PROMOTION_MAX_ECE": str(settings.MNEMO_PROMOTION_MAX_ECE),
            "MNEMO_TRAINING_MIN_LOGS": str(settings.MNEMO_TRAINING_MIN_LOGS),
        }
        return start_worker(env={**thresholds, **(env or {})}, **options)

    return start


@pytest.fixture
def small_karl() -> dict:
    """KARL hyper-parameters small enough for tests on two cores."""
    return dict(SMALL_KARL)


@pytest.fixture
def deck_with_logs(instructor):
    """make(cards=..., learners=..., days=...) -> a public deck of the instructor with simulated study logs."""

    def make(*, cards: int = 30, learners: int = 6, days: int = 8, seed: int = 0):
        deck = make_deck(instructor, cards=cards)
        seed_study_logs(deck, learners=learners, days=days, seed=seed)
        return deck

    return make


@pytest.fixture
def train_hlr(settings):
    """train() -> a half-life regression version of all learners, trained now (served when it is the first)."""
    settings.MNEMO_PROMOTION_MAX_ECE = 1.0

    def train() -> ModelVersion:
        run = training_run_create(kind="hlr", scope=Scope(), trigger=TrainingRun.Trigger.COMMAND)
        return training_run_execute(run_id=run.pk).version

    return train

