"""Study API latency: record an answer and get the next card, with 1,000 cards and 50,000 study logs.

Builds a separate benchmark database next to the one ``DATABASE_URL`` names (for
PostgreSQL a new database ``bench_<name>``, for SQLite a file under var/), never
touching the dev data, and drops it afterwards. 50 learners have 1,000 past answers
each on a 1,000-card deck; the benchmark learner then answers 500 cards through
``POST /api/v1/answers`` (Django's full request stack, in process, no network), whose
response carries the next card. Prints p50/p95 and ends with one JSON line.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/study_latency.py
"""

import json
import os
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.services import api_token_create, learner_settings_get_or_create  # noqa: E402
from apps.cards.models import Card, Deck  # noqa: E402
from apps.study.models import CardState, StudyLog  # noqa: E402

N_CARDS = 1_000
N_LEARNERS = 50
LOGS_PER_LEARNER = 1_000
CARDS_PER_LEARNER = 200
N_REQUESTS = int(os.environ.get("BENCH_REQUESTS", "500"))
N_WARMUP = 20


def benchmark_database_name() -> str:
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return str(REPO_ROOT / "var" / "bench-study-latency.sqlite3")
    return f"bench_{name}"


def populate(rng: np.random.Generator):
    """The deck, the learners, their card states and 50,000 past logs; returns (deck, bench learner)."""
    users = get_user_model().objects
    owner = users.create_user(username="bench-owner")
    deck = Deck.objects.create(owner=owner, title="Benchmark deck", visibility=Deck.Visibility.PUBLIC)
    Card.objects.bulk_create(
        [Card(deck=deck, front=f"Question {i}", back=f"Answer {i}", tags=["bench"], content_hash=f"{i:064x}") for i in range(N_CARDS)]
    )
    card_ids = np.array(Card.objects.filter(deck=deck).order_by("id").values_list("id", flat=True))
    now = timezone.now()
    learners = users.bulk_create([get_user_model()(username=f"bench-learner-{i}") for i in range(N_LEARNERS)])
    logs, states = [], []
    for learner in learners:
        studied = rng.choice(card_ids, size=CARDS_PER_LEARNER, replace=False)
        for card_id in studied:
            due_at = now + timedelta(days=float(rng.uniform(-10, 30)))
            states.append(CardState(
                learner=learner, card_id=int(card_id), deck=deck, state=CardState.State.REVIEW, step=None,
                stability=float(rng.uniform(1, 60)), difficulty=float(rng.uniform(1, 10)), due_at=due_at,
                last_review_at=now - timedelta(days=2), first_studied_at=now - timedelta(days=60), reps=5, lapses=0,
            ))
        for index in range(LOGS_PER_LEARNER):
            grade = int(rng.choice([1, 2, 3, 4], p=[0.15, 0.15, 0.55, 0.15]))
            answered_at = now - timedelta(days=60) + timedelta(minutes=index * 80)
            logs.append(StudyLog(
                log_uuid=uuid.uuid4(), learner=learner, card_id=int(studied[index % CARDS_PER_LEARNER]), deck=deck,
                shown_at=answered_at - timedelta(seconds=5), answered_at=answered_at, response_ms=int(rng.integers(800, 9000)),
                outcome=grade > 1, grade=grade, policy="fsrs", selection_probability=1.0,
            ))
    CardState.objects.bulk_create(states, batch_size=2000)
    StudyLog.objects.bulk_create(logs, batch_size=2000)
    bench_learner = learners[0]
    learner_settings = learner_settings_get_or_create(user=bench_learner)
    learner_settings.new_cards_per_day, learner_settings.reviews_per_day = 1000, 10000
    learner_settings.save()
    return deck, bench_learner


def time_answers(client: Client, deck: Deck, rng: np.random.Generator) -> tuple[list[float], int]:
    """Milliseconds per answer request (after warm-up), and the queries one request makes."""
    shown = client.get(f"/api/v1/decks/{deck.uuid}/next").json()
    timings, queries = [], 0
    for index in range(N_WARMUP + N_REQUESTS):
        body = json.dumps({
            "log_uuid": str(uuid.uuid4()), "card": shown["card"]["id"], "shown_id": shown["shown_id"],
            "grade": int(rng.integers(1, 5)), "response_ms": int(rng.integers(800, 9000)),
        })
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.post("/api/v1/answers", body, content_type="application/json")
            elapsed_ms = (time.perf_counter() - started) * 1000
        if response.status_code != 201:
            raise SystemExit(f"answer {index} failed: {response.status_code} {response.content[:200]!r}")
        shown = response.json()["next"]
        if shown["card"] is None:
            raise SystemExit(f"ran out of cards after {index} answers")
        if index >= N_WARMUP:
            timings.append(elapsed_ms)
            queries = len(captured.captured_queries)
    return timings, queries


def main() -> None:
    settings.DEBUG = False
    setup_test_environment()
    connection.settings_dict.setdefault("TEST", {})["NAME"] = benchmark_database_name()
    original_name = connection.settings_dict["NAME"]
    bench_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        rng = np.random.default_rng(7)
        started = time.perf_counter()
        deck, learner = populate(rng)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # planner statistics, as autovacuum keeps them on a database in use
        print(f"populated {bench_name} in {time.perf_counter() - started:.1f} s: "
              f"{Card.objects.count()} cards, {StudyLog.objects.count()} study logs, {CardState.objects.count()} card states")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=learner)}")
        timings, queries = time_answers(client, deck, rng)
        figures = {
            "p50_ms": round(statistics.median(timings), 2),
            "p95_ms": round(float(np.percentile(timings, 95)), 2),
            "p99_ms": round(float(np.percentile(timings, 99)), 2),
            "mean_ms": round(statistics.fmean(timings), 2),
            "requests": len(timings),
            "queries_per_request": queries,
            "cards": N_CARDS,
            "study_logs": N_LEARNERS * LOGS_PER_LEARNER,
            "database": connection.vendor,
            "target_p95_ms": 50,
        }
        print(f"answer + next card over {len(timings)} requests: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, "
              f"p99 {figures['p99_ms']} ms, {queries} queries per request ({connection.vendor})")
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
