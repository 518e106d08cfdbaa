"""Study load: simulated learners answer cards through the JSON API on gunicorn and PostgreSQL; nothing may be lost.

Creates its own PostgreSQL database ``bench_study_load`` on the server ``DATABASE_URL``
names (dropped afterwards), a public deck of 500 cards and N learners with API tokens,
and starts gunicorn on loopback (``--workers 2 --threads 4``, gthread, preloaded: one
process per core of the 2-core machine, threads to overlap PostgreSQL round trips; see
docs/operations.md). Then:

0. warm-up: the closed loop's learners answer with no think time for ``--warm-up-seconds``,
   so that every gunicorn thread has served the answer path before anything is timed.
1. open loop: every learner gets a card (``GET /api/v1/decks/<deck>/next``) and answers it
   every ``--think`` seconds (uniform 0.5x-1.5x) through ``POST /api/v1/answers``, whose
   response carries the next card, for ``--seconds``. A request that fails for want of a
   connection or with a 5xx is retried with the same ``log_uuid`` (the API stores an
   answer once); ``errors`` counts requests that still failed after 3 tries.
2. closed loop: 16 learners answer with no think time for ``--saturation-seconds``:
   ``saturation_rps`` is answers acknowledged per second.
3. the check: study logs stored equal answers acknowledged, none duplicated (by
   ``log_uuid`` or by showing).

``--faults`` also starts a redis-server of its own (port ``--redis-port``, never the shared
one, no persistence), a Celery worker (prefork, one child) and beat against it; during the
open loop it stops that Redis for 10 s (queueing an HLR run meanwhile), kills a gunicorn
worker (SIGKILL), queues KARL and FSRS-6 runs and kills the Celery child while it trains
one of them (SIGKILL).
Afterwards it waits until every training run has ended and reports how each ended.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/study_load.py [--faults] [--seconds 60]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres make bench-load   # the capacity check of docs/scaling.md: 500 learners

The last line is one JSON object of figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
BENCH_DATABASE = "bench_study_load"
N_CARDS = 500
SATURATION_LEARNERS = 16
HISTORY_LEARNERS = 40
HISTORY_LOGS_PER_LEARNER = 60
REQUEST_TRIES = 3
LOG_DIR = REPO_ROOT / "var" / "bench-study-load"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the open loop")
    parser.add_argument("--think", type=float, default=5.0, help="mean think time between answers, seconds")
    parser.add_argument("--warm-up-seconds", type=float, default=3.0, help="closed loop before the timed runs, so no figure counts a worker's first requests")
    parser.add_argument("--saturation-seconds", type=float, default=15.0, help="length of the closed loop (0: skip)")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8170)
    parser.add_argument("--faults", action="store_true", help="stop Redis, kill a gunicorn worker and a Celery child")
    parser.add_argument("--redis-port", type=int, default=6391)
    parser.add_argument("--training-wait", type=float, default=600.0, help="seconds to wait for the training runs to end")
    parser.add_argument("--database", default=BENCH_DATABASE, help="name of the bench's own database (made and dropped on DATABASE_URL's server)")
    return parser.parse_args()


def bench_database_url(database: str = BENCH_DATABASE) -> tuple[str, str]:
    """(the server's maintenance URL, the URL of the bench's ``database``) from DATABASE_URL, which must name PostgreSQL."""
    import dj_database_url

    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        raise SystemExit(f"bench/{Path(sys.argv[0]).name} needs DATABASE_URL to name a PostgreSQL server")
    credentials = config["USER"] + (f":{config['PASSWORD']}" if config["PASSWORD"] else "")
    server = f"postgres://{credentials}@{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 5432}"
    return f"{server}/postgres", f"{server}/{database}"


def recreate_database(maintenance_url: str, *, database: str = BENCH_DATABASE, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        if not drop_only:
            connection.execute(f"CREATE DATABASE {database}")


# --- the data ------------------------------------------------------------------------------------------------


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


# --- the processes -------------------------------------------------------------------------------------------


class Service:
    """A process the bench started (output to ``log_dir``/NAME.log, var/bench-study-load/ unless told), stopped at the end."""

    def __init__(self, name: str, command: list[str], env: dict, *, log_dir: Path = LOG_DIR) -> None:
        self.name, self.command, self.env, self.log_dir = name, command, env, log_dir
        self.process: subprocess.Popen | None = None

    def start(self) -> "Service":
        log = open(self.log_dir / f"{self.name}.log", "ab")
        self.process = subprocess.Popen(self.command, cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of the processes so far (from /proc; a process gone since counts nothing)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def database_backends(database: str) -> list[int]:
    """Process ids of the PostgreSQL backends serving ``database`` (gunicorn's threads keep theirs: CONN_MAX_AGE).

    Their CPU is read from /proc, so it counts only when the server runs on this machine
    (it does for the bench); a backend opened after this call is not counted.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database])
        return [row[0] for row in cursor.fetchall()]


def wait_for_children(service: Service, count: int, seconds: float = 120.0) -> None:
    """Until the service has forked its ``count`` workers (gunicorn listens before --preload forks them)."""
    deadline = time.monotonic() + seconds
    while len(service.children()) < count and time.monotonic() < deadline:
        time.sleep(0.2)


def wait_for_port(port: int, seconds: float = 300.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answered on port {port} within {seconds} s (see {LOG_DIR})")


PYTHON = str(REPO_ROOT / ".venv" / "bin" / "python")


def start_gunicorn(env: dict, *, port: int, workers: int, threads: int, log_dir: Path = LOG_DIR) -> Service:
    """Gunicorn as docs/operations.md deploys it, once it listens and has forked its workers."""
    web = Service("gunicorn", [
        PYTHON, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread",
        "--preload", "--keep-alive", "30", "--timeout", "30", "--graceful-timeout", "5",
    ], env, log_dir=log_dir).start()
    try:
        wait_for_port(port)
        wait_for_children(web, workers)
    except BaseException:
        web.stop()
        raise
    return web


def start_celery(env: dict, *, redis_port: int, log_dir: Path = LOG_DIR) -> tuple[Service, Service, Service]:
    """A redis-server of the bench's own (no persistence), a Celery worker (prefork, one child) and beat against it."""
    redis = Service("redis", ["redis-server", "--bind", "127.0.0.1", "--port", str(redis_port), "--save", "", "--appendonly", "no"], env, log_dir=log_dir).start()
    try:
        wait_for_port(redis_port)
    except BaseException:
        redis.stop()
        raise
    worker = Service("worker", [PYTHON, "-m", "celery", "-A", "config", "worker", "--pool=prefork", "--concurrency=1", "--loglevel=info"], env, log_dir=log_dir).start()
    beat = Service("beat", [PYTHON, "-m", "celery", "-A", "config", "beat", "--loglevel=info", "--schedule", str(log_dir / "beat-schedule")], env, log_dir=log_dir).start()
    return redis, worker, beat


def service_env(database_url: str, redis_url: str | None) -> dict:
    env = {
        **os.environ, "DATABASE_URL": database_url, "DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "false", "LOG_LEVEL": "WARNING",
        "MNEMO_EMBED_CARDS_ON_SAVE": "false", "PYTHONPATH": str(REPO_ROOT),
        # Faults are minutes apart, not hours: recover dead training attempts and lost messages quickly.
        "MNEMO_TRAINING_STALE_SECONDS": "30", "MNEMO_OUTBOX_RESEND_MINUTES": "1", "MNEMO_OUTBOX_SEND_GRACE_SECONDS": "5",
        "MNEMO_TRAINING_MIN_LOGS": "200",
        # Each thread keeps its PostgreSQL connection for the whole run, so the backends
        # whose CPU is counted (database_backends) are the ones that serve it.
        "DATABASE_CONN_MAX_AGE": "600",
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


# --- the learners --------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """What the learners saw; shared by their threads (appends are atomic under the GIL)."""

    latencies_ms: list[float] = field(default_factory=list)
    acknowledged: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    retries: int = 0


class Learner:
    """One learner's keep-alive connection and the card it was last shown."""

    def __init__(self, token: str, deck: str, port: int, tally: Tally) -> None:
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.deck, self.port, self.tally = deck, port, tally
        self.connection: http.client.HTTPConnection | None = None
        self.shown: dict | None = None

    def request(self, method: str, path: str, body: dict | None = None) -> dict | None:
        """The decoded JSON of a 2xx answer, retried on a lost connection or a 5xx; None (an error) after the last try."""
        payload = json.dumps(body) if body is not None else None
        for attempt in range(REQUEST_TRIES):
            if attempt:
                self.tally.retries += 1
                time.sleep(0.2 * attempt)
            started = time.perf_counter()
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                self.connection.request(method, path, body=payload, headers=self.headers)
                response = self.connection.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as error:
                self.connection = None
                reason = f"{method} {path}: {type(error).__name__}"
                continue
            self.tally.latencies_ms.append((time.perf_counter() - started) * 1000)
            if response.status < 300:
                return json.loads(data)
            reason = f"{method} {path}: HTTP {response.status} {data[:200]!r}"
            if response.status < 500:
                break
        self.tally.errors.append(reason)
        return None

    def answer(self) -> None:
        if self.shown is None or self.shown.get("card") is None:
            self.shown = self.request("GET", f"/api/v1/decks/{self.deck}/next")
            return
        log_uuid = str(uuid.uuid4())
        body = {
            "log_uuid": log_uuid, "card": self.shown["card"]["id"], "shown_id": self.shown["shown_id"],
            "grade": random.choice((1, 3, 3, 3, 4)), "response_ms": random.randint(800, 9000),
        }
        reply = self.request("POST", "/api/v1/answers", body)
        if reply is not None:
            self.tally.acknowledged.add(reply["log"]["log_uuid"])
        self.shown = reply["next"] if reply else None


def run_learners(tokens: list[str], deck: str, port: int, *, seconds: float, think: float, tally: Tally | None = None) -> Tally:
    """Each token's learner studies for ``seconds``; what they saw goes into ``tally`` (a new one unless given, so a caller can watch it grow)."""
    tally = Tally() if tally is None else tally
    stop_at = time.monotonic() + seconds

    def study(token: str) -> None:
        learner = Learner(token, deck, port, tally)
        if think:
            time.sleep(random.uniform(0, think))  # arrivals spread over one think time
        while time.monotonic() < stop_at:
            learner.answer()
            if think:
                time.sleep(min(random.uniform(0.5, 1.5) * think, max(0.0, stop_at - time.monotonic())))

    threads = [threading.Thread(target=study, args=(token,), daemon=True) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


# --- faults --------------------------------------------------------------------------------------------------


def enqueue_training(kind: str, hyperparameters: dict | None = None) -> None:
    from apps.modeling.scopes import Scope
    from apps.modeling.tasks import training_run_enqueue
    from apps.modeling.training import training_run_create

    run = training_run_create(kind=kind, scope=Scope(), trigger="command", hyperparameters=hyperparameters)
    training_run_enqueue(run=run)


def inject_faults(*, seconds: float, redis: Service, web: Service, worker: Service, events: list[str]) -> None:
    """Redis down for 10 s at a quarter of the run (an HLR run is queued meanwhile); a gunicorn worker killed at
    half time; KARL and FSRS-6 runs queued at 55 % and the Celery child training one of them killed."""
    from apps.modeling.models import TrainingRun

    started = time.monotonic()

    def at(fraction: float) -> None:
        time.sleep(max(0.0, started + fraction * seconds - time.monotonic()))

    def note(event: str) -> None:
        events.append(f"{time.monotonic() - started:.1f}s {event}")

    at(0.25)
    redis.stop()
    note("redis stopped")
    enqueue_training("hlr")
    note("hlr run queued while redis is down")
    time.sleep(10)
    redis.start()
    note("redis started")
    at(0.5)
    victim = web.children()[0]
    os.kill(victim, signal.SIGKILL)
    note(f"gunicorn worker {victim} killed")
    at(0.55)
    enqueue_training("karl", {"max_epochs": 40, "patience": 40})
    enqueue_training("fsrs6")
    deadline = time.monotonic() + 120
    time.sleep(5)  # into the run's training, past its claim
    while time.monotonic() < deadline:
        running = TrainingRun.objects.filter(status=TrainingRun.Status.RUNNING).first()
        if running:
            child = int(running.worker.rsplit(":", 1)[1])
            os.kill(child, signal.SIGKILL)
            note(f"celery child {child} killed while training run {running.pk} ({running.kind}, attempt {running.attempts})")
            return
        time.sleep(0.2)
    children = worker.children()
    os.kill(children[0], signal.SIGKILL)
    note(f"celery child {children[0]} killed (no run was training)")


def wait_for_training(seconds: float) -> list[dict]:
    from apps.modeling.models import TrainingRun

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and TrainingRun.objects.exclude(status__in=TrainingRun.FINISHED).exists():
        time.sleep(2)
    return [
        {"kind": run.kind, "status": run.status, "attempts": run.attempts, "message": run.message}
        for run in TrainingRun.objects.order_by("id")
    ]


# --- the check -----------------------------------------------------------------------------------------------


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


def latency_percentiles(latencies_ms: list[float]) -> dict:
    """p50, p95 and p99 as every bench computes them (numpy's linear interpolation); None without requests."""
    import numpy as np

    figures = np.percentile(latencies_ms, [50, 95, 99]) if latencies_ms else [None] * 3
    return {name: None if value is None else round(float(value), 1) for name, value in zip(("p50_ms", "p95_ms", "p99_ms"), figures)}


def main() -> None:
    args = parse_args()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    maintenance_url, database_url = bench_database_url(args.database)
    recreate_database(maintenance_url, database=args.database)
    redis_url = f"redis://127.0.0.1:{args.redis_port}/0" if args.faults else None
    os.environ.update({"DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings", "MNEMO_EMBED_CARDS_ON_SAVE": "false"})
    os.environ.pop("REDIS_URL", None)
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    deck, tokens = populate(args.learners, with_history=args.faults)
    env = service_env(database_url, redis_url)
    services: list[Service] = []
    try:
        redis = worker = None
        if args.faults:
            redis, worker, beat = start_celery(env, redis_port=args.redis_port)
            services += [redis, worker, beat]
        web = start_gunicorn(env, port=args.port, workers=args.web_workers, threads=args.threads)
        services.append(web)

        warm_up = run_learners(tokens[args.learners:], deck, args.port, seconds=args.warm_up_seconds, think=0.0)
        events: list[str] = []
        if args.faults:
            faults = threading.Thread(target=inject_faults, kwargs={
                "seconds": args.seconds, "redis": redis, "web": web, "worker": worker, "events": events,
            }, daemon=True)
            faults.start()
        load_before = os.getloadavg()[0]
        web_pids = web.children()
        database_pids = database_backends(args.database)
        cpu_before, database_cpu_before = cpu_seconds(web_pids), cpu_seconds(database_pids)
        started = time.monotonic()
        tally = run_learners(tokens[: args.learners], deck, args.port, seconds=args.seconds, think=args.think)
        elapsed = time.monotonic() - started
        tally.errors += warm_up.errors
        web_cpu_ms_per_request = (cpu_seconds(web_pids) - cpu_before) * 1000 / max(1, len(tally.latencies_ms))
        database_cpu_ms_per_request = (cpu_seconds(database_pids) - database_cpu_before) * 1000 / max(1, len(tally.latencies_ms))
        load_during = os.getloadavg()[0]
        saturation_rps = None
        saturation_acknowledged: set[str] = warm_up.acknowledged
        if args.saturation_seconds:
            closed = run_learners(tokens[args.learners:], deck, args.port, seconds=args.saturation_seconds, think=0.0)
            saturation_rps = round(len(closed.acknowledged) / args.saturation_seconds, 1)
            saturation_acknowledged |= closed.acknowledged
            tally.errors += closed.errors
        if args.faults:
            faults.join()
        training = wait_for_training(args.training_wait) if args.faults else []
        check = stored_logs(tally.acknowledged | saturation_acknowledged)
    finally:
        for service in reversed(services):
            service.stop()
        from django.db import connections

        connections.close_all()
        recreate_database(maintenance_url, database=args.database, drop_only=True)

    figures = {
        "learners": args.learners,
        "seconds": round(elapsed, 1),
        "think_s": args.think,
        "web_workers": args.web_workers,
        "threads": args.threads,
        "faults": args.faults,
        "requests": len(tally.latencies_ms),
        "errors": len(tally.errors),
        "retries": tally.retries,
        **latency_percentiles(tally.latencies_ms),
        "logs_acknowledged": len(tally.acknowledged | saturation_acknowledged),
        **check,
        "saturation_rps": saturation_rps,
        "web_cpu_ms_per_request": round(web_cpu_ms_per_request, 1),
        "database_cpu_ms_per_request": round(database_cpu_ms_per_request, 1),
        "load_average_before": round(load_before, 2),
        "load_average_after_open_loop": round(load_during, 2),
    }
    if args.faults:
        figures["fault_events"] = events
        figures["training_runs"] = training
        figures["training_all_ended_with_reason"] = all(
            run["status"] in ("succeeded", "failed", "insufficient_data") and (run["status"] == "succeeded" or run["message"])
            for run in training
        )
    for error in tally.errors[:10]:
        print("error:", error)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
