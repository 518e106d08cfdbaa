"""Study load: simulated learners answer cards through the JSON API on gunicorn and PostgreSQL; nothing may be lost.

Creates its own PostgreSQL database ``bench_study_load_<configured name>`` on the server
``DATABASE_URL`` names (``_bench_database``; dropped afterwards), a public deck of 500 cards
and N learners with API tokens,
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

The last line is one JSON object of figures. This script drives the parts, each a module
of one job: ``_bench_database`` (the database), ``_load_processes`` (gunicorn, Redis,
Celery), ``_load_data`` (the deck, the learners, the check of what was stored),
``_load_learners`` (the load) and ``_load_faults`` (the faults).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

import _project_root  # noqa: F401  (the project root on sys.path)
from _load_learners import latency_percentiles, run_learners
from _load_processes import LOG_DIR, Service, cpu_seconds, database_backends, service_env, start_celery, start_gunicorn


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
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    if not os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres").startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"bench/{Path(sys.argv[0]).name} needs DATABASE_URL to name a PostgreSQL server")
    redis_url = f"redis://127.0.0.1:{args.redis_port}/0" if args.faults else None
    os.environ.update({"DJANGO_SETTINGS_MODULE": "config.settings", "MNEMO_EMBED_CARDS_ON_SAVE": "false"})
    os.environ.pop("REDIS_URL", None)
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    import django

    django.setup()
    from _bench_database import bench_database, bench_database_url
    from _load_data import populate, stored_logs
    from _load_faults import inject_faults, wait_for_training

    with bench_database("study-load") as database:
        deck, tokens = populate(args.learners, with_history=args.faults)
        env = service_env(bench_database_url(database), redis_url)
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
            web_pids, database_pids = web.children(), database_backends(database)
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
