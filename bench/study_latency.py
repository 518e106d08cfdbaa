"""Study API latency: record an answer and get the next card, for a learner with a long history in a database of many logs.

Builds a separate benchmark database next to the one ``DATABASE_URL`` names (for
PostgreSQL a new database ``bench_<name>``, for SQLite a file under var/), never
touching the dev data, and drops it afterwards. A 1,000-card deck; the benchmark
learner has ``--history`` past answers (every card studied), the other learners 1,000
answers each on 200 cards, ``--logs`` answers in all, each answer with the showing it
answered (as the study service records them). The benchmark learner then answers
``--requests`` cards through ``POST /api/v1/answers`` (Django's WSGI application
called as a WSGI server calls it, in process, no network), whose response carries the
next card. Prints p50/p95/p99, the process CPU time per request, the queries per
request and the load average, and ends with one JSON line. ``--profile`` prints where
the CPU of the timed requests goes (cProfile, cumulative and own time).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/study_latency.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/study_latency.py --logs 1000000 --history 20000
"""

import argparse
import cProfile
import io
import json
import os
import pstats
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
from django.core.management.color import no_style  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.services import api_token_create  # noqa: E402
from apps.study.presets import deck_preset  # noqa: E402
from apps.cards.models import Card, Deck  # noqa: E402
from apps.cards.note_services import BasicCardText, basic_notes_bulk_create  # noqa: E402
from apps.study.models import CardState, ShownCard, StudyLog  # noqa: E402
from _bench_database import bench_database  # noqa: E402

N_CARDS = 1_000
LOGS_PER_LEARNER = 1_000
CARDS_PER_LEARNER = 200
N_WARMUP = 20
INSERT_BATCH = 20_000
SHOWING_COLUMNS = ("id", "uuid", "learner_id", "card_id", "deck_id", "shown_at", "policy", "selection_probability", "answered", "fallback_reason")
LOG_COLUMNS = ("log_uuid", "learner_id", "card_id", "deck_id", "shown_id", "shown_at", "answered_at", "response_ms", "outcome", "grade",
               "policy", "selection_probability", "created_at")


def _write_rows(cursor, model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Append ``rows`` (Python values) to ``model``'s table: COPY on PostgreSQL, batched INSERTs on SQLite."""
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    adapted = [tuple(
        value.hex if isinstance(value, uuid.UUID) else connection.ops.adapt_datetimefield_value(value) if hasattr(value, "tzinfo") else value
        for value in row
    ) for row in rows]
    cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})", adapted)


def _insert_history(rng: np.random.Generator, *, deck: Deck, learner_cards: list[tuple[int, np.ndarray, int]], now) -> None:
    """Each (learner id, studied card ids, answer count)'s past answers, every 80 minutes up to now, with their showings.

    Written in batches with the showings' ids given (then the sequences reset): a
    million Django objects would take longer to build than the benchmark runs.
    """
    showings, logs = [], []
    next_id = 1
    with transaction.atomic(), connection.cursor() as cursor:
        for learner_id, studied, count in learner_cards:
            grades = rng.choice([1, 2, 3, 4], p=[0.15, 0.15, 0.55, 0.15], size=count)
            responses = rng.integers(800, 9000, size=count)
            start = now - timedelta(minutes=80 * count)
            for index in range(count):
                answered_at = start + timedelta(minutes=index * 80)
                shown_at, card_id, grade = answered_at - timedelta(seconds=5), int(studied[index % len(studied)]), int(grades[index])
                showings.append((next_id, uuid.uuid4(), learner_id, card_id, deck.pk, shown_at, "fsrs", 1.0, True, ""))
                logs.append((uuid.uuid4(), learner_id, card_id, deck.pk, next_id, shown_at, answered_at, int(responses[index]),
                             grade > 1, grade, "fsrs", 1.0, answered_at))
                next_id += 1
                if len(logs) == INSERT_BATCH:
                    _write_rows(cursor, ShownCard, SHOWING_COLUMNS, showings)
                    _write_rows(cursor, StudyLog, LOG_COLUMNS, logs)
                    showings.clear()
                    logs.clear()
        _write_rows(cursor, ShownCard, SHOWING_COLUMNS, showings)
        _write_rows(cursor, StudyLog, LOG_COLUMNS, logs)
        for statement in connection.ops.sequence_reset_sql(no_style(), [ShownCard, StudyLog]):
            cursor.execute(statement)


def populate(rng: np.random.Generator, *, logs: int, history: int):
    """The deck, the learners, their card states and ``logs`` past answers with their showings; returns (deck, bench learner).

    The benchmark learner has ``history`` answers over every card of the deck; the
    others ``LOGS_PER_LEARNER`` each (the last one the rest) over ``CARDS_PER_LEARNER`` cards.
    """
    users = get_user_model().objects
    owner = users.create_user(username="bench-owner")
    deck = Deck.objects.create(owner=owner, title="Benchmark deck", visibility=Deck.Visibility.PUBLIC)
    basic_notes_bulk_create(cards=[BasicCardText(deck=deck, front=f"Question {i}", back=f"Answer {i}", tags=["bench"]) for i in range(N_CARDS)])
    card_ids = np.array(Card.objects.filter(deck=deck).order_by("id").values_list("id", flat=True))
    now = timezone.now()
    others = max(0, logs - history)
    counts = [history] + [LOGS_PER_LEARNER] * (others // LOGS_PER_LEARNER) + ([others % LOGS_PER_LEARNER] if others % LOGS_PER_LEARNER else [])
    learners = users.bulk_create([get_user_model()(username=f"bench-learner-{i}") for i in range(len(counts))])
    learner_cards = [(learners[0].pk, rng.permutation(card_ids), history)]
    learner_cards += [(learner.pk, rng.choice(card_ids, size=CARDS_PER_LEARNER, replace=False), count) for learner, count in zip(learners[1:], counts[1:])]
    states = [
        CardState(
            learner_id=learner_id, card_id=int(card_id), deck=deck, state=CardState.State.REVIEW, step=None,
            stability=float(rng.uniform(1, 60)), difficulty=float(rng.uniform(1, 10)), due_at=now + timedelta(days=float(rng.uniform(-10, 30))),
            last_review_at=now - timedelta(days=2), first_studied_at=now - timedelta(days=60), reps=5, lapses=0,
        )
        for learner_id, studied, _ in learner_cards for card_id in studied
    ]
    CardState.objects.bulk_create(states, batch_size=5000)
    _insert_history(rng, deck=deck, learner_cards=learner_cards, now=now)
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


class QueryCounter:
    """Counts the statements a request sends (``connection.execute_wrapper``: no debug cursor, so it costs the request nothing)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def time_answers(
    client: WsgiClient, deck: Deck, rng: np.random.Generator, requests: int, profile: cProfile.Profile | None = None
) -> tuple[list[float], list[float], int]:
    """Wall and process CPU milliseconds per answer request (after warm-up), and the queries most requests make.

    The most common count, not the last one: once a minute a request also records that
    its API token was used. ``profile`` is enabled around the timed requests only.
    """
    _, shown = client.request("GET", f"/api/v1/decks/{deck.uuid}/next")
    timings, cpu_timings, query_counts = [], [], []
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        for index in range(N_WARMUP + requests):
            body = json.dumps({
                "log_uuid": str(uuid.uuid4()), "card": shown["card"]["id"], "shown_id": shown["shown_id"],
                "grade": int(rng.integers(1, 5)), "response_ms": int(rng.integers(800, 9000)),
            }).encode()
            counter.count = 0
            if profile is not None and index == N_WARMUP:
                profile.enable()
            started, cpu_started = time.perf_counter(), time.process_time()
            status, answer = client.request("POST", "/api/v1/answers", body)
            elapsed_ms, cpu_ms = (time.perf_counter() - started) * 1000, (time.process_time() - cpu_started) * 1000
            if status != 201:
                raise SystemExit(f"answer {index} failed: {status} {answer!r}")
            shown = answer["next"]
            if shown["card"] is None:
                raise SystemExit(f"ran out of due cards after {index} answers: ask for fewer --requests")
            if index >= N_WARMUP:
                timings.append(elapsed_ms)
                cpu_timings.append(cpu_ms)
                query_counts.append(counter.count)
    if profile is not None:
        profile.disable()
    return timings, cpu_timings, statistics.mode(query_counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--requests", type=int, default=200,
        help=f"timed answers (after {N_WARMUP} warm-up ones); about a quarter of the learner's 1,000 cards is due, so a few hundred at most",
    )
    parser.add_argument("--logs", type=int, default=50_000, help="study logs in the database, the benchmark learner's included")
    parser.add_argument("--history", type=int, default=LOGS_PER_LEARNER, help="the benchmark learner's past answers")
    parser.add_argument("--profile", action="store_true", help="print where the timed requests spend their CPU (cProfile; slows them)")
    parser.add_argument("--profile-out", metavar="FILE", help="with --profile, also save the profile here (pstats format: snakeviz, pstats)")
    args = parser.parse_args()
    if not 0 < args.history <= args.logs:
        parser.error("--history must be positive and at most --logs")
    settings.DEBUG = False
    with bench_database("study-latency") as bench_name:
        rng = np.random.default_rng(7)
        started = time.perf_counter()
        deck, learner = populate(rng, logs=args.logs, history=args.history)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # planner statistics, as autovacuum keeps them on a database in use
        populate_seconds = time.perf_counter() - started
        study_logs = StudyLog.objects.count()
        print(f"populated {bench_name} in {populate_seconds:.1f} s: "
              f"{Card.objects.count()} cards, {study_logs} study logs ({args.history} of the benchmark learner), "
              f"{ShownCard.objects.count()} showings, {CardState.objects.count()} card states")
        client = WsgiClient(api_token_create(user=learner))
        profile = cProfile.Profile() if args.profile else None
        timings, cpu_timings, queries = time_answers(client, deck, rng, args.requests, profile)
        if profile is not None:
            report = io.StringIO()
            stats = pstats.Stats(profile, stream=report)
            if args.profile_out:
                stats.dump_stats(args.profile_out)
            stats.sort_stats("cumulative").print_stats(60)
            stats.sort_stats("tottime").print_stats(30)
            print(report.getvalue())
        figures = {
            "p50_ms": round(statistics.median(timings), 2),
            "p95_ms": round(float(np.percentile(timings, 95)), 2),
            "p99_ms": round(float(np.percentile(timings, 99)), 2),
            "mean_ms": round(statistics.fmean(timings), 2),
            "cpu_p50_ms": round(statistics.median(cpu_timings), 2),
            "cpu_p95_ms": round(float(np.percentile(cpu_timings, 95)), 2),
            "load_average": [round(load, 2) for load in os.getloadavg()],
            "requests": len(timings),
            "queries_per_request": queries,
            "cards": N_CARDS,
            "study_logs": study_logs,
            "learner_history": args.history,
            "populate_seconds": round(populate_seconds, 1),
            "profiled": args.profile,
            "database": connection.vendor,
            "target_p95_ms": 50,
        }
        print(f"answer + next card over {len(timings)} requests: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, "
              f"p99 {figures['p99_ms']} ms, process CPU p50 {figures['cpu_p50_ms']} ms, {queries} queries per request "
              f"({connection.vendor}), load average {figures['load_average']}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
