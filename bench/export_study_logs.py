"""Research export speed and memory: 1,000,000 study logs to CSV and to Parquet.

Fills a database of its own (``bench_database``: a file under var/ for SQLite,
``bench_export_study_logs_<name>`` next to the one ``DATABASE_URL`` names for
PostgreSQL, dropped afterwards): 1,000 consenting learners, one deck of 2,000 cards
and ``--rows`` study logs inserted in bulk. Then each format is exported by
``apps.research.services.study_logs_export`` (the code behind the researcher page,
the Celery job and ``manage.py export_study_logs``) in a fresh child process, so
that the peak resident memory reported is the export's own. Targets: under 60 s per
format and under 300 MB, i.e. the rows are streamed in chunks, never loaded whole.
The last line is one JSON object.

    .venv/bin/python bench/export_study_logs.py
    .venv/bin/python bench/export_study_logs.py --rows 100000
    .venv/bin/python bench/export_study_logs.py --rows 100000 1000000   # memory at both sizes, one database grown in between
    DATABASE_URL=postgres://... .venv/bin/python bench/export_study_logs.py
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import _project_root  # noqa: F401  (the project root on sys.path)

REPO_ROOT = Path(__file__).resolve().parents[1]
LEARNERS = 1000
CARDS = 2000
INSERT_BATCH = 20_000


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["MNEMO_EMBED_CARDS_ON_SAVE"] = "false"
    import django

    django.setup()


def fill_database(rows: int, *, already: int = 0) -> float:
    """Fill the (migrated) default database up to ``rows`` study logs, ``already`` of them written before; returns the seconds it took.

    The learners, their consent and the deck are made with the first rows.
    """
    started = time.perf_counter()
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from apps.cards.models import Card, Deck
    from apps.cards.note_services import BasicCardText, basic_notes_bulk_create
    from apps.research.models import ResearchConsentPeriod
    from apps.study.models import StudyLog

    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=OFF")
            cursor.execute("PRAGMA synchronous=OFF")
    if not already:
        with transaction.atomic():
            users = get_user_model().objects.bulk_create(get_user_model()(username=f"learner-{i:04d}", password="!") for i in range(LEARNERS))
            ResearchConsentPeriod.objects.bulk_create(ResearchConsentPeriod(learner=user, started_at=start) for user in users)
            deck = Deck.objects.create(owner=users[0], title="Benchmark deck")
            basic_notes_bulk_create(
                cards=[BasicCardText(deck=deck, front=f"question {i}", back=f"answer {i}", tags=[f"topic-{i % 20}"]) for i in range(CARDS)]
            )
    deck = Deck.objects.get(title="Benchmark deck")
    card_ids = list(Card.objects.order_by("id").values_list("id", flat=True))
    user_ids = list(get_user_model().objects.order_by("id").values_list("id", flat=True))
    columns = ["log_uuid", "learner_id", "card_id", "deck_id", "shown_at", "answered_at", "response_ms", "outcome", "grade", "policy", "model_version", "predicted_recall", "selection_probability", "created_at"]
    table = StudyLog._meta.db_table
    log_uuid = StudyLog._meta.get_field("log_uuid")
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    batch = []
    with transaction.atomic(), connection.cursor() as cursor:
        for index in range(already, rows):
            learner = index % LEARNERS
            grade = 1 + (index * 7919) % 4
            stamp = connection.ops.adapt_datetimefield_value(start + timedelta(seconds=60 * index))
            batch.append((log_uuid.get_db_prep_value(uuid.uuid4(), connection), user_ids[learner], card_ids[(index * 31) % CARDS], deck.pk,
                          stamp, stamp, 1000 + index % 9000, grade > 1, grade, "karl", "karl:1", 0.8, 0.5, stamp))
            if len(batch) == INSERT_BATCH:
                cursor.executemany(sql, batch)
                batch.clear()
        cursor.executemany(sql, batch)
    return time.perf_counter() - started


def export_once(export_format: str, output: Path) -> dict:
    """Run one export in this process (a child of the benchmark, on the database ``DATABASE_URL`` names); its seconds, rows and peak memory."""
    _setup_django()
    from apps.research.selectors import ExportFilters
    from apps.research.services import study_logs_export

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started, cpu_started = time.perf_counter(), time.process_time()
    manifest = json.loads(study_logs_export(export_format=export_format, output_dir=output, filters=ExportFilters()).read_text())
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "rows": manifest["rows"],
        "peak_rss_mb": round(peak, 1),
        "baseline_rss_mb": round(baseline, 1),
        "megabytes": round(sum(file["bytes"] for file in manifest["files"]) / 1e6, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000],
                        help="export sizes: the database is filled up to each in turn and exported at each (e.g. 100000 1000000)")
    parser.add_argument("--child-export", nargs=2, metavar=("FORMAT", "OUTPUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_export:
        export_format, output = args.child_export
        print(json.dumps(export_once(export_format, Path(output))))
        return 0
    sizes = sorted(set(args.rows))
    if sizes[0] < 1:
        parser.error("--rows must be positive")
    _setup_django()
    from django.db import connection

    from _bench_database import bench_database, bench_database_url

    by_rows = {}
    with bench_database("export-study-logs") as name, tempfile.TemporaryDirectory(prefix="mnemo-export-bench-") as folder:
        filled = 0
        for size in sizes:
            print(f"built {size} study logs ({size - filled} added) in {fill_database(size, already=filled):.1f} s on {connection.vendor}")
            filled = size
            connection.close()
            environment = {**os.environ, "DATABASE_URL": bench_database_url(name)}
            figures = {}
            for export_format in ("csv", "parquet"):
                child = subprocess.run([sys.executable, __file__, "--child-export", export_format, str(Path(folder) / f"{size}-{export_format}")],
                                       cwd=REPO_ROOT, env=environment, capture_output=True, text=True, check=True)
                figures[export_format] = json.loads(child.stdout.strip().splitlines()[-1])
                figure = figures[export_format]
                print(f"{export_format:8s} {figure['rows']} rows in {figure['seconds']} s ({figure['cpu_seconds']} s CPU), "
                      f"{figure['megabytes']} MB, peak RSS {figure['peak_rss_mb']} MB "
                      f"({figure['baseline_rss_mb']} MB of it before the export, after django.setup)")
            by_rows[size] = figures
    largest = by_rows[sizes[-1]]
    export_rss = {size: round(max(f["peak_rss_mb"] - f["baseline_rss_mb"] for f in figures.values()), 1) for size, figures in by_rows.items()}
    print(json.dumps({
        "database": connection.vendor,
        "rows": largest["csv"]["rows"],
        "csv_seconds": largest["csv"]["seconds"],
        "parquet_seconds": largest["parquet"]["seconds"],
        "peak_rss_mb": max(figure["peak_rss_mb"] for figure in largest.values()),
        "csv_cpu_seconds": largest["csv"]["cpu_seconds"],
        "parquet_cpu_seconds": largest["parquet"]["cpu_seconds"],
        "baseline_rss_mb": max(figure["baseline_rss_mb"] for figure in largest.values()),
        "export_rss_mb": export_rss[sizes[-1]],
        "csv_peak_rss_mb": largest["csv"]["peak_rss_mb"],
        "parquet_peak_rss_mb": largest["parquet"]["peak_rss_mb"],
        "csv_megabytes": largest["csv"]["megabytes"],
        "parquet_megabytes": largest["parquet"]["megabytes"],
        "export_rss_mb_by_rows": export_rss,
        "export_rss_growth_mb": round(export_rss[sizes[-1]] - export_rss[sizes[0]], 1),
        "seconds_by_rows": {size: {fmt: f["seconds"] for fmt, f in figures.items()} for size, figures in by_rows.items()},
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
