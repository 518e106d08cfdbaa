"""Download my data: time and memory of one learner's zip at 10,000 and 100,000 study logs.

Fills a database of its own (``bench_database``: a file under var/ for SQLite,
``bench_data_download_<name>`` beside the one ``DATABASE_URL`` names for PostgreSQL,
dropped afterwards) with two learners, each owning one deck of 2,000 cards that they
studied: every study log has its showing, sessions hold 50 answers each, and every
card has a card state. Each learner's zip is then written by
``apps.privacy.download.data_download_stream`` (what the download page sends) in a
fresh child process, counting the bytes as they come; the peak resident memory is
measured from just before the download (the kernel's VmHWM, reset then), so that
Django's start-up does not count. The deck's .apkg carries the learner's whole
review history, the largest single piece. The last line is one JSON object.

    .venv/bin/python bench/data_download.py
    .venv/bin/python bench/data_download.py --logs 10000,100000,300000
    DATABASE_URL=postgres://... .venv/bin/python bench/data_download.py
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import _project_root  # noqa: F401  (the project root on sys.path)
import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["MNEMO_EMBED_CARDS_ON_SAVE"] = "false"

REPO_ROOT = Path(__file__).resolve().parents[1]
CARDS = 2000
ANSWERS_PER_SESSION = 50
INSERT_BATCH = 20_000


def fill_learner(username: str, logs: int) -> int:
    """A learner who owns a deck of ``CARDS`` cards and answered ``logs`` times; their id."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from apps.cards.content import content_hash
    from apps.cards.models import Card, Deck
    from apps.study.models import CardState, ShownCard, StudyLog, StudySession

    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    with transaction.atomic():
        learner = get_user_model().objects.create(username=username, password="!")
        deck = Deck.objects.create(owner=learner, title=f"{username}'s deck")
        Card.objects.bulk_create(
            Card(deck=deck, front=f"question {i} of {username}", back=f"answer {i}", tags=[f"topic-{i % 20}"],
                 content_hash=content_hash(f"question {i} of {username}", f"answer {i}"))
            for i in range(CARDS)
        )
        card_ids = list(Card.objects.filter(deck=deck).order_by("id").values_list("id", flat=True))
        sessions = StudySession.objects.bulk_create(
            StudySession(learner=learner, deck=deck, planned_cards=ANSWERS_PER_SESSION, started_at=start + timedelta(hours=s),
                         last_activity_at=start + timedelta(hours=s, minutes=30), ended_at=start + timedelta(hours=s, minutes=30))
            for s in range((logs + ANSWERS_PER_SESSION - 1) // ANSWERS_PER_SESSION)
        )
        CardState.objects.bulk_create(
            CardState(learner=learner, card_id=card_id, deck=deck, state=2, stability=12.5, difficulty=5.1, due_at=start + timedelta(days=30),
                      last_review_at=start + timedelta(days=1), first_studied_at=start, reps=logs // CARDS, lapses=1)
            for card_id in card_ids
        )
    session_ids = [session.pk for session in sessions]
    shown_table, log_table = ShownCard._meta.db_table, StudyLog._meta.db_table
    uuid_field = StudyLog._meta.get_field("log_uuid")
    with transaction.atomic(), connection.cursor() as cursor:
        for first in range(0, logs, INSERT_BATCH):
            shown_rows, log_rows = [], []
            for index in range(first, min(first + INSERT_BATCH, logs)):
                stamp = connection.ops.adapt_datetimefield_value(start + timedelta(seconds=72 * index))
                card_id, session_id, grade = card_ids[(index * 31) % CARDS], session_ids[index // ANSWERS_PER_SESSION], 1 + (index * 7919) % 4
                shown_uuid = uuid_field.get_db_prep_value(uuid.uuid4(), connection)
                shown_rows.append((shown_uuid, learner.pk, card_id, deck.pk, session_id, stamp, "karl", "karl:1", 0.8, 0.5, True, ""))
                log_rows.append((uuid_field.get_db_prep_value(uuid.uuid4(), connection), learner.pk, card_id, deck.pk, session_id, shown_uuid,
                                 stamp, stamp, 1000 + index % 9000, grade > 1, grade, "karl", "karl:1", 0.8, 0.5, stamp))
            cursor.executemany(
                f"INSERT INTO {shown_table} (uuid, learner_id, card_id, deck_id, session_id, shown_at, policy, model_version, "
                "predicted_recall, selection_probability, answered, fallback_reason) VALUES (" + ", ".join(["%s"] * 12) + ")",
                shown_rows,
            )
            cursor.executemany(
                f"INSERT INTO {log_table} (log_uuid, learner_id, card_id, deck_id, session_id, shown_id, shown_at, answered_at, response_ms, "
                "outcome, grade, policy, model_version, predicted_recall, selection_probability, created_at) "
                f"SELECT %s, %s, %s, %s, %s, id, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s FROM {shown_table} WHERE uuid = %s",
                [row[:5] + row[6:] + (row[5],) for row in log_rows],
            )
    return learner.pk


def _memory_mb(field: str) -> float:
    """``VmRSS`` (resident now) or ``VmHWM`` (its peak) of this process, in MB."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(f"{field}:")) / 1024


def _reset_peak_memory() -> None:
    """Start the peak (VmHWM) again from the resident memory now, so that start-up's peak is not counted."""
    Path("/proc/self/clear_refs").write_text("5")


def download_once(learner_id: int, target: Path) -> dict:
    """Write one learner's zip in this process (a child of the bench); its seconds, size and peak memory."""
    django.setup()
    from django.contrib.auth import get_user_model

    from apps.privacy.download import data_download_stream

    learner = get_user_model().objects.get(pk=learner_id)
    _reset_peak_memory()
    baseline = _memory_mb("VmRSS")
    started, cpu_started = time.perf_counter(), time.process_time()
    size = 0
    with open(target, "wb") as handle:
        for piece in data_download_stream(user=learner):
            handle.write(piece)
            size += len(piece)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    peak = _memory_mb("VmHWM")
    with zipfile.ZipFile(target) as archive:
        log_lines = sum(1 for _ in archive.open("study_logs.csv")) - 1
    return {
        "seconds": round(seconds, 2), "cpu_seconds": round(cpu_seconds, 2), "zip_mb": round(size / 2**20, 1),
        "study_log_rows": log_lines, "baseline_rss_mb": round(baseline, 1), "peak_rss_mb": round(peak, 1),
        "download_rss_mb": round(peak - baseline, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--logs", default="10000,100000", help="comma-separated study-log counts, one learner each")
    parser.add_argument("--child", nargs=2, metavar=("LEARNER_ID", "TARGET"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        print(json.dumps(download_once(int(arguments.child[0]), Path(arguments.child[1]))))
        return
    django.setup()
    from django.db import connection

    from _bench_database import bench_database, bench_database_url

    sizes = [int(value) for value in arguments.logs.split(",")]
    results = {}
    with bench_database("data-download") as name:
        started = time.perf_counter()
        learners = {logs: fill_learner(f"learner-{logs}", logs) for logs in sizes}
        print(f"filled {connection.vendor} in {time.perf_counter() - started:.1f} s")
        connection.close()
        env = {**os.environ, "DATABASE_URL": bench_database_url(name), "MNEMO_EMBED_CARDS_ON_SAVE": "false"}
        for logs, learner_id in learners.items():
            target = REPO_ROOT / "var" / f"bench-data-download-{logs}.zip"
            child = subprocess.run(
                [sys.executable, __file__, "--child", str(learner_id), str(target)], env=env, cwd=REPO_ROOT,
                capture_output=True, text=True, check=True,
            )
            target.unlink(missing_ok=True)
            results[logs] = json.loads(child.stdout.strip().splitlines()[-1])
            figures = results[logs]
            print(f"{logs:>8} logs: {figures['seconds']:6.2f} s, zip {figures['zip_mb']} MB, peak RSS {figures['peak_rss_mb']} MB "
                  f"({figures['download_rss_mb']} MB above the process after start-up)")
    print(json.dumps({"bench": "data_download", "database": connection.vendor, "cards_per_deck": CARDS, "by_logs": results}))


if __name__ == "__main__":
    main()
