"""Research export speed and memory: 1,000,000 study logs to CSV and to Parquet.

Builds a throwaway SQLite database of its own in a temporary directory (never the
configured one): 1,000 consenting learners, one deck of 2,000 cards and
``--rows`` study logs inserted in bulk. Then each format is exported by
``apps.research.services.study_logs_export`` (the code behind the researcher page,
the Celery job and ``manage.py export_study_logs``) in a fresh child process, so
that the peak resident memory reported is the export's own. Targets: under 60 s per
format and under 300 MB, i.e. the rows are streamed in chunks, never loaded whole.
The last line is one JSON object.

    .venv/bin/python bench/export_study_logs.py
    .venv/bin/python bench/export_study_logs.py --rows 100000
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

REPO_ROOT = Path(__file__).resolve().parents[1]
LEARNERS = 1000
CARDS = 2000
INSERT_BATCH = 20_000


def _setup_django(database: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["MNEMO_EMBED_CARDS_ON_SAVE"] = "false"
    sys.path.insert(0, str(REPO_ROOT))
    import django

    django.setup()


def build_database(database: Path, rows: int) -> float:
    """Migrate a new database and fill it; returns the seconds it took."""
    started = time.perf_counter()
    _setup_django(database)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction

    from apps.cards.content import content_hash
    from apps.cards.models import Card, Deck
    from apps.research.models import ResearchConsentPeriod
    from apps.study.models import StudyLog

    call_command("migrate", verbosity=0)
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=OFF")
        cursor.execute("PRAGMA synchronous=OFF")
    with transaction.atomic():
        users = get_user_model().objects.bulk_create(get_user_model()(username=f"learner-{i:04d}", password="!") for i in range(LEARNERS))
        ResearchConsentPeriod.objects.bulk_create(ResearchConsentPeriod(learner=user, started_at=start) for user in users)
        deck = Deck.objects.create(owner=users[0], title="Benchmark deck")
        Card.objects.bulk_create(
            Card(deck=deck, front=f"question {i}", back=f"answer {i}", tags=[f"topic-{i % 20}"], content_hash=content_hash(f"question {i}", f"answer {i}"))
            for i in range(CARDS)
        )
        card_ids = list(Card.objects.values_list("id", flat=True))
        user_ids = [user.pk for user in users]
    columns = ["log_uuid", "learner_id", "card_id", "deck_id", "shown_at", "answered_at", "response_ms", "outcome", "grade", "policy", "model_version", "predicted_recall", "selection_probability", "created_at"]
    table = StudyLog._meta.db_table
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    per_learner = rows // LEARNERS
    batch = []
    with transaction.atomic(), connection.cursor() as cursor:
        for index in range(rows):
            learner = index // per_learner if index < per_learner * LEARNERS else index % LEARNERS
            answered = start + timedelta(seconds=60 * index)
            grade = 1 + (index * 7919) % 4
            stamp = answered.strftime("%Y-%m-%d %H:%M:%S")
            batch.append((uuid.uuid4().hex, user_ids[learner], card_ids[(index * 31) % CARDS], deck.pk, stamp, stamp, 1000 + index % 9000, grade > 1, grade, "karl", "karl:1", 0.8, 0.5, stamp))
            if len(batch) == INSERT_BATCH:
                cursor.executemany(sql, batch)
                batch.clear()
        cursor.executemany(sql, batch)
    return time.perf_counter() - started


def export_once(database: Path, export_format: str, output: Path) -> dict:
    """Run one export in this process (a child of the benchmark); its seconds, rows and peak memory."""
    _setup_django(database)
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
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--child-export", nargs=3, metavar=("DATABASE", "FORMAT", "OUTPUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_export:
        database, export_format, output = args.child_export
        print(json.dumps(export_once(Path(database), export_format, Path(output))))
        return 0
    with tempfile.TemporaryDirectory(prefix="mnemo-export-bench-") as folder:
        database = Path(folder) / "bench.sqlite3"
        environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        build = subprocess.run([sys.executable, "-c", f"import sys; sys.argv=['x']; sys.path.insert(0, {str(REPO_ROOT)!r}); "
                                f"from bench.export_study_logs import build_database; from pathlib import Path; print(build_database(Path({str(database)!r}), {args.rows}))"],
                               cwd=REPO_ROOT, env=environment, capture_output=True, text=True, check=True)
        print(f"built {args.rows} study logs in {float(build.stdout.strip().splitlines()[-1]):.1f} s")
        figures = {}
        for export_format in ("csv", "parquet"):
            child = subprocess.run([sys.executable, __file__, "--child-export", str(database), export_format, str(Path(folder) / export_format)],
                                   cwd=REPO_ROOT, env=environment, capture_output=True, text=True, check=True)
            figures[export_format] = json.loads(child.stdout.strip().splitlines()[-1])
            figure = figures[export_format]
            print(f"{export_format:8s} {figure['rows']} rows in {figure['seconds']} s ({figure['cpu_seconds']} s CPU), "
                  f"{figure['megabytes']} MB, peak RSS {figure['peak_rss_mb']} MB "
                  f"({figure['baseline_rss_mb']} MB of it before the export, after django.setup)")
    print(json.dumps({
        "rows": figures["csv"]["rows"],
        "csv_seconds": figures["csv"]["seconds"],
        "parquet_seconds": figures["parquet"]["seconds"],
        "peak_rss_mb": max(figure["peak_rss_mb"] for figure in figures.values()),
        "csv_cpu_seconds": figures["csv"]["cpu_seconds"],
        "parquet_cpu_seconds": figures["parquet"]["cpu_seconds"],
        "baseline_rss_mb": max(figure["baseline_rss_mb"] for figure in figures.values()),
        "export_rss_mb": round(max(figure["peak_rss_mb"] - figure["baseline_rss_mb"] for figure in figures.values()), 1),
        "csv_peak_rss_mb": figures["csv"]["peak_rss_mb"],
        "parquet_peak_rss_mb": figures["parquet"]["peak_rss_mb"],
        "csv_megabytes": figures["csv"]["megabytes"],
        "parquet_megabytes": figures["parquet"]["megabytes"],
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
