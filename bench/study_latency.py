"""Study API latency: record an answer and get the next card, with 1,000 cards and 50,000 study logs.

Builds a separate benchmark database next to the one ``DATABASE_URL`` names (for
PostgreSQL a new database ``bench_<name>``, for SQLite a file under var/), never
touching the dev data, and drops it afterwards. 50 learners have 1,000 past answers
each on a 1,000-card deck, each answer with the showing it answered (as the study
service records them); the benchmark learner then answers 500 cards through
``POST /api/v1/answers`` (Django's WSGI application called as a WSGI server calls it,
in process, no network), whose response carries the next card. Prints p50/p95/p99,
the process CPU time per request and the load average, and ends with one JSON line.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/study_latency.py
"""

import argparse
import io
import json
import os
import statistics
import sys
import time
import uuid
from datetime import timedelta

import numpy as np

import _project_root  # noqa: F401  (the project root on sys.path)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.services import api_token_create  # noqa: E402
from apps.study.presets import deck_preset  # noqa: E402
from apps.cards.models import Card, Deck  # noqa: E402
from apps.cards.note_services import BasicCardText, basic_notes_bulk_create  # noqa: E402
from apps.study.models import CardState, ShownCard, StudyLog  # noqa: E402
from _bench_database import bench_database  # noqa: E402

N_CARDS = 1_000
N_LEARNERS = 50
LOGS_PER_LEARNER = 1_000
CARDS_PER_LEARNER = 200
N_WARMUP = 20


def populate(rng: np.random.Generator):
    """The deck, the learners, their card states and 50,000 past logs with their showings; returns (deck, bench learner)."""
    users = get_user_model().objects
    owner = users.create_user(username="bench-owner")
    deck = Deck.objects.create(owner=owner, title="Benchmark deck", visibility=Deck.Visibility.PUBLIC)
    basic_notes_bulk_create(cards=[BasicCardText(deck=deck, front=f"Question {i}", back=f"Answer {i}", tags=["bench"]) for i in range(N_CARDS)])
    card_ids = np.array(Card.objects.filter(deck=deck).order_by("id").values_list("id", flat=True))
    now = timezone.now()
    learners = users.bulk_create([get_user_model()(username=f"bench-learner-{i}") for i in range(N_LEARNERS)])
    logs, showings, states = [], [], []
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
            card_id = int(studied[index % CARDS_PER_LEARNER])
            shown = ShownCard(
                learner=learner, card_id=card_id, deck=deck, shown_at=answered_at - timedelta(seconds=5),
                policy="fsrs", selection_probability=1.0, answered=True,
            )
            showings.append(shown)
            logs.append(StudyLog(
                log_uuid=uuid.uuid4(), learner=learner, card_id=card_id, deck=deck, shown=shown,
                shown_at=shown.shown_at, answered_at=answered_at, response_ms=int(rng.integers(800, 9000)),
                outcome=grade > 1, grade=grade, policy="fsrs", selection_probability=1.0,
            ))
    CardState.objects.bulk_create(states, batch_size=2000)
    ShownCard.objects.bulk_create(showings, batch_size=2000)
    StudyLog.objects.bulk_create(logs, batch_size=2000)
    bench_learner = learners[0]
    preset = deck_preset(deck)
    preset.new_per_day, preset.reviews_per_day = 1000, 10000
    preset.save()
    return deck, bench_learner


class WsgiClient:
    """Calls Django's WSGI application as a WSGI server (gunicorn) does, with a bearer token.

    Unlike django.test.Client, this keeps Django's request_started/request_finished
    handling of persistent connections (CONN_MAX_AGE, CONN_HEALTH_CHECKS), so each
    request pays what it pays in production.
    """

    def __init__(self, token: str) -> None:
        self.application = get_wsgi_application()
        self.token = token

    def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, dict]:
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "localhost",
            "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "localhost",
            "HTTP_AUTHORIZATION": f"Bearer {self.token}", "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http", "wsgi.version": (1, 0), "wsgi.multithread": False,
            "wsgi.multiprocess": True, "wsgi.run_once": False,
        }
        statuses = []
        response = self.application(environ, lambda status, headers, exc_info=None: statuses.append(status))
        try:
            content = b"".join(response)
        finally:
            response.close()  # sends request_finished, as the server does
        return int(statuses[0].split()[0]), json.loads(content)


def time_answers(client: WsgiClient, deck: Deck, rng: np.random.Generator, requests: int) -> tuple[list[float], list[float], int]:
    """Wall and process CPU milliseconds per answer request (after warm-up), and the queries most requests make.

    The most common count, not the last one: once a minute a request also records that
    its API token was used.
    """
    _, shown = client.request("GET", f"/api/v1/decks/{deck.uuid}/next")
    timings, cpu_timings, query_counts = [], [], []
    for index in range(N_WARMUP + requests):
        body = json.dumps({
            "log_uuid": str(uuid.uuid4()), "card": shown["card"]["id"], "shown_id": shown["shown_id"],
            "grade": int(rng.integers(1, 5)), "response_ms": int(rng.integers(800, 9000)),
        }).encode()
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            started, cpu_started = time.perf_counter(), time.process_time()
            status, answer = client.request("POST", "/api/v1/answers", body)
            elapsed_ms, cpu_ms = (time.perf_counter() - started) * 1000, (time.process_time() - cpu_started) * 1000
        if status != 201:
            raise SystemExit(f"answer {index} failed: {status} {answer!r}")
        shown = answer["next"]
        if shown["card"] is None:
            raise SystemExit(f"ran out of cards after {index} answers")
        if index >= N_WARMUP:
            timings.append(elapsed_ms)
            cpu_timings.append(cpu_ms)
            query_counts.append(len(captured.captured_queries))
    return timings, cpu_timings, statistics.mode(query_counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500, help=f"timed answers (after {N_WARMUP} warm-up ones)")
    args = parser.parse_args()
    settings.DEBUG = False
    with bench_database("study-latency") as bench_name:
        rng = np.random.default_rng(7)
        started = time.perf_counter()
        deck, learner = populate(rng)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # planner statistics, as autovacuum keeps them on a database in use
        print(f"populated {bench_name} in {time.perf_counter() - started:.1f} s: "
              f"{Card.objects.count()} cards, {StudyLog.objects.count()} study logs, {ShownCard.objects.count()} showings, "
              f"{CardState.objects.count()} card states")
        client = WsgiClient(api_token_create(user=learner))
        timings, cpu_timings, queries = time_answers(client, deck, rng, args.requests)
        figures = {
            "p50_ms": round(statistics.median(timings), 2),
            "p95_ms": round(float(np.percentile(timings, 95)), 2),
            "p99_ms": round(float(np.percentile(timings, 99)), 2),
            "mean_ms": round(statistics.fmean(timings), 2),
            "cpu_p50_ms": round(statistics.median(cpu_timings), 2),
            "load_average": [round(load, 2) for load in os.getloadavg()],
            "requests": len(timings),
            "queries_per_request": queries,
            "cards": N_CARDS,
            "study_logs": N_LEARNERS * LOGS_PER_LEARNER,
            "database": connection.vendor,
            "target_p95_ms": 50,
        }
        print(f"answer + next card over {len(timings)} requests: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, "
              f"p99 {figures['p99_ms']} ms, process CPU p50 {figures['cpu_p50_ms']} ms, {queries} queries per request "
              f"({connection.vendor}), load average {figures['load_average']}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
