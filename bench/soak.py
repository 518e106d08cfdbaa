"""Soak: simulated learners study through the JSON API for half an hour; does any web or worker process grow?

The same deployment as ``bench/study_load.py`` (its own PostgreSQL database ``bench_soak_<configured name>``,
dropped afterwards; gunicorn 2 workers x 4 threads, preloaded; a redis-server of its own on
``--redis-port``, a Celery worker with one prefork child, and beat running every periodic
task of ``CELERY_BEAT_SCHEDULE``), and the same learners: each answers a card every
``--think`` seconds, retrying a lost connection or a 5xx with the same ``log_uuid``.

Every minute it samples the resident memory (RSS and its anonymous part, from /proc) of
every web and worker process: the gunicorn master and workers, the Celery worker and its
child, beat. It prints one line per ``--window-minutes`` (requests, errors, p95), then
each process's growth from the end of the warm-up (``--warm-up-minutes``) to the last
sample, judged on anonymous memory (see ``memory_mib``), and checks that every
acknowledged answer was stored once.

Training is left to the nightly schedule (``MNEMO_TRAINING_NEW_LOGS_THRESHOLD`` is raised
out of reach): a training run on the same two cores would show its own peak, not a leak.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres nice -n 10 .venv/bin/python bench/soak.py --minutes 30

The last line is one JSON object of figures.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from _load_learners import Tally, latency_percentiles, run_learners
from _load_processes import Service, service_env, start_celery, start_gunicorn
from _project_root import REPO_ROOT

LOG_DIR = REPO_ROOT / "var" / "bench-soak"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--think", type=float, default=5.0, help="mean think time between answers, seconds")
    parser.add_argument("--window-minutes", type=float, default=5.0, help="requests, errors and p95 are reported per window")
    parser.add_argument("--warm-up-minutes", type=float, default=5.0, help="memory growth is measured from the end of this")
    parser.add_argument("--sample-seconds", type=float, default=60.0, help="how often memory is sampled")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8171)
    parser.add_argument("--redis-port", type=int, default=6392)
    return parser.parse_args()


def memory_mib(pid: int) -> tuple[float, float] | None:
    """(RSS, its anonymous part) of the process in MiB, or None once it has exited.

    RSS also counts the pages of mapped files (PyTorch's libraries: about a third of a
    worker), which the kernel drops and maps again as other programs need memory; a leak
    grows the anonymous part (heap), so growth is judged on that.
    """
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    kib = {line.split(":")[0]: int(line.split()[1]) for line in status.splitlines() if line.startswith(("VmRSS:", "RssAnon:"))}
    if len(kib) < 2:
        return None
    return round(kib["VmRSS"] / 1024, 1), round(kib["RssAnon"] / 1024, 1)


def processes(web: Service, worker: Service, beat: Service) -> dict[str, int]:
    """Name -> pid of every web and worker process now (a replaced child shows up under its new pid)."""
    named = {"gunicorn-master": web.process.pid, "celery-worker": worker.process.pid, "celery-beat": beat.process.pid}
    named |= {f"gunicorn-worker-{pid}": pid for pid in web.children()}
    named |= {f"celery-child-{pid}": pid for pid in worker.children()}
    return named


@dataclass
class Sample:
    """One minute's look: how far the learners' counters had got and every process's memory."""

    minute: float
    requests: int
    errors: int
    load_average: float
    rss_mib: dict[str, float]
    anonymous_mib: dict[str, float]


def take_sample(started: float, tally: Tally, named: dict[str, int]) -> Sample:
    memory = {name: figures for name, pid in named.items() if (figures := memory_mib(pid)) is not None}
    return Sample(
        minute=round((time.monotonic() - started) / 60, 2), requests=len(tally.latencies_ms), errors=len(tally.errors),
        load_average=round(os.getloadavg()[0], 2), rss_mib={name: rss for name, (rss, _) in memory.items()},
        anonymous_mib={name: anonymous for name, (_, anonymous) in memory.items()},
    )


def windows(samples: list[Sample], tally: Tally, window_minutes: float) -> list[dict]:
    """Requests, errors and latency percentiles per window of samples (the tally's lists only grow, so a window is a slice).

    The learners' last requests end a little after the last full window; a tail shorter
    than half a window joins that window.
    """
    bounds = [samples[0]]
    for sample in samples[1:]:
        if sample.minute + 0.05 >= len(bounds) * window_minutes:
            bounds.append(sample)
    if bounds[-1] is not samples[-1]:
        if len(bounds) > 1 and samples[-1].minute - bounds[-1].minute < window_minutes / 2:
            bounds[-1] = samples[-1]
        else:
            bounds.append(samples[-1])
    rows = []
    for start, end in zip(bounds, bounds[1:]):
        latencies = tally.latencies_ms[start.requests:end.requests]
        rows.append({
            "from_minute": round(start.minute, 1), "to_minute": round(end.minute, 1),
            "requests": len(latencies), "errors": end.errors - start.errors,
            **latency_percentiles(latencies), "load_average": end.load_average,
        })
    return rows


def memory_growth(samples: list[Sample], warm_up_minutes: float) -> dict[str, dict]:
    """Each process's RSS and anonymous memory at the end of the warm-up and at the last sample; growth of the anonymous part in percent."""
    after_warm_up = next(sample for sample in samples if sample.minute + 0.05 >= warm_up_minutes)
    last = samples[-1]
    growth = {}
    for name, first in after_warm_up.anonymous_mib.items():
        if name in last.anonymous_mib:
            growth[name] = {
                "rss_after_warm_up_mib": after_warm_up.rss_mib[name], "rss_last_mib": last.rss_mib[name],
                "anonymous_after_warm_up_mib": first, "anonymous_last_mib": last.anonymous_mib[name],
                "growth_percent": round(100 * (last.anonymous_mib[name] - first) / first, 1),
            }
    return growth


def soak(args: argparse.Namespace, deck: str, tokens: list[str], env: dict) -> tuple[list[Sample], Tally]:
    """Start the services, let the learners study for ``--minutes`` while sampling, stop the services."""
    services: list[Service] = []
    try:
        redis, worker, beat = start_celery(env, redis_port=args.redis_port, log_dir=LOG_DIR)
        services += [redis, worker, beat]
        web = start_gunicorn(env, port=args.port, workers=args.web_workers, threads=args.threads, log_dir=LOG_DIR)
        services.append(web)
        tally = Tally()
        learners = threading.Thread(
            target=run_learners, args=(tokens, deck, args.port),
            kwargs={"seconds": args.minutes * 60, "think": args.think, "tally": tally}, daemon=True,
        )
        started = time.monotonic()
        learners.start()
        samples = [take_sample(started, tally, processes(web, worker, beat))]
        while learners.is_alive():
            learners.join(timeout=max(0.0, started + len(samples) * args.sample_seconds - time.monotonic()))
            latest = take_sample(started, tally, processes(web, worker, beat))
            if latest.minute - samples[-1].minute < 0.1:  # the learners stopped just after a sample: that one is the last
                samples[-1] = latest
            else:
                samples.append(latest)
            print(
                f"minute {latest.minute:5.1f}: {latest.requests} requests, {latest.errors} errors, load {latest.load_average}, "
                + ", ".join(f"{name} {rss} MiB ({latest.anonymous_mib[name]} anonymous)" for name, rss in latest.rss_mib.items()),
                flush=True,
            )
        return samples, tally
    finally:
        for service in reversed(services):
            service.stop()


def main() -> None:
    args = parse_args()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    redis_url = f"redis://127.0.0.1:{args.redis_port}/0"
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    os.environ.update({"DJANGO_SETTINGS_MODULE": "config.settings", "MNEMO_EMBED_CARDS_ON_SAVE": "false", "REDIS_URL": redis_url})
    import django

    django.setup()
    from _bench_database import bench_database, bench_database_url
    from _load_data import populate, stored_logs

    with bench_database("soak") as database:
        deck, tokens = populate(args.learners, with_history=False)
        env = service_env(bench_database_url(database), redis_url) | {"MNEMO_TRAINING_NEW_LOGS_THRESHOLD": str(10**9)}
        samples, tally = soak(args, deck, tokens[: args.learners], env)
        check = stored_logs(tally.acknowledged)

    per_window = windows(samples, tally, args.window_minutes)
    growth = memory_growth(samples, args.warm_up_minutes)
    for row in per_window:
        print(json.dumps(row))
    for name, figures in growth.items():
        print(
            f"{name}: anonymous {figures['anonymous_after_warm_up_mib']} -> {figures['anonymous_last_mib']} MiB "
            f"({figures['growth_percent']:+.1f} %), RSS {figures['rss_after_warm_up_mib']} -> {figures['rss_last_mib']} MiB"
        )
    for error in tally.errors[:10]:
        print("error:", error)
    figures = {
        "learners": args.learners,
        "minutes": samples[-1].minute,
        "think_s": args.think,
        "requests": len(tally.latencies_ms),
        "errors": len(tally.errors),
        "retries": tally.retries,
        **latency_percentiles(tally.latencies_ms),
        "logs_acknowledged": len(tally.acknowledged),
        **check,
        "windows": per_window,
        "memory_growth_after_warm_up": growth,
        "max_growth_percent": max(figures["growth_percent"] for figures in growth.values()),
        "load_average_min": min(sample.load_average for sample in samples),
        "load_average_max": max(sample.load_average for sample in samples),
        "memory_samples_mib": [
            {"minute": sample.minute, "rss": sample.rss_mib, "anonymous": sample.anonymous_mib} for sample in samples
        ],
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
