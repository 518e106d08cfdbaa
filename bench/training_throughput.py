"""Training time and peak memory of each model kind on 100,000 study logs, through the Celery path.

A generated study log (``knowledge_tracing.data.synthetic``: 500 learners, 2,000 cards,
100,000 answers) is stored as study logs of one deck in the bench database; card
embeddings are stored first (timed separately). Then one training run per kind is
queued exactly as the admin and the nightly trigger queue them, and a real
``celery -A config worker`` (prefork, one child that is replaced after every task, so
each task's peak RSS is its own) builds the data set, splits it by time, trains,
scores the 20,000 most recent logs, stores the artifact and decides the promotion. The
bench and its worker run under glibc's lean allocator tunables, as ``make run``'s worker does
(``knowledge_tracing.memory``), unless ``GLIBC_TUNABLES`` is set.

    .venv/bin/python bench/training_throughput.py [--kinds hlr,fsrs6,karl,dkt,cakt] [--max-epochs N] [--cakt-epochs N]

CAKT trains for one epoch unless ``--cakt-epochs`` says otherwise: its first epoch on
these 100,000 logs took about 958 s on the 2-core machine. ``--max-epochs`` caps KARL
and DKT (unset: each model's own default). Every result line and the JSON say how many
epochs each kind was given.

The bench database is ``var/bench-training.sqlite3`` unless ``DATABASE_URL`` is set;
it is rebuilt on every run. Prints one line per kind; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from _project_root import REPO_ROOT  # noqa: E402

os.environ.setdefault("DATABASE_URL", f"sqlite:///{REPO_ROOT / 'var' / 'bench-training.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["MNEMO_EMBED_CARDS_ON_SAVE"] = "false"
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from knowledge_tracing.memory import restart_with_lean_allocator  # noqa: E402

if __name__ == "__main__":
    # Before Django and torch are loaded, so that the restarted process is the only one to load them.
    restart_with_lean_allocator()

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from apps.cards.models import Deck  # noqa: E402
from apps.cards.note_services import BasicCardText, basic_notes_bulk_create  # noqa: E402
from apps.modeling.embeddings import card_embeddings_ensure  # noqa: E402
from apps.modeling.models import MODEL_KINDS, TrainingRun  # noqa: E402
from apps.modeling.scopes import Scope  # noqa: E402
from apps.modeling.training import training_run_enqueue  # noqa: E402
from apps.modeling.training import training_run_create  # noqa: E402
from apps.study.models import StudyLog  # noqa: E402
from knowledge_tracing.data.synthetic import generate_study_log  # noqa: E402
from _study_log_rows import study_logs_insert  # noqa: E402

CAPPED_BY_MAX_EPOCHS = ("karl", "dkt")
DEFAULT_CAKT_EPOCHS = 1


def fresh_database() -> None:
    """An empty, migrated bench database: SQLite's file made anew (the open connection closed first, so it cannot go on with the old file), a server's database emptied."""
    connection.close()
    sqlite = os.environ["DATABASE_URL"].startswith("sqlite:///")
    database = Path(os.environ["DATABASE_URL"].removeprefix("sqlite:///"))
    if sqlite and database.exists():
        database.unlink()
    call_command("migrate", verbosity=0)
    if not sqlite:
        call_command("flush", interactive=False, verbosity=0)


def store_study_logs(*, learners: int, cards: int, logs: int, seed: int) -> Deck:
    """The generated log as one deck's cards and study logs (imported histories: no showings)."""
    table = generate_study_log(n_learners=learners, n_items=cards, n_logs=logs, n_concepts=10, seed=seed)
    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"bench-{index:04d}") for index in range(table.n_learners)]
    )
    owner = users[0]
    with transaction.atomic():
        deck = Deck.objects.create(owner=owner, title="Training benchmark", visibility=Deck.Visibility.PUBLIC)
        card_rows = basic_notes_bulk_create(
            cards=[BasicCardText(deck=deck, front=text, back=f"answer {index}", tags=[text.split(":")[0].lower().replace(" ", "-")])
                   for index, text in enumerate(table.item_text)]
        )
    base = datetime.now(timezone.utc).timestamp() - (table.time.max() - table.time.min()) - 86_400
    offset = base - table.time.min()
    study_logs_insert(
        learner_ids=[users[learner].pk for learner in table.learner], card_ids=[card_rows[item].pk for item in table.item],
        deck_id=deck.pk, shown_at=table.time + offset, response_ms=table.duration_ms, outcome=table.outcome,
        grade=[int(grade) if grade else (3 if outcome else 1) for grade, outcome in zip(table.grade, table.outcome)],
        policy="fsrs",
    )
    return deck


def start_worker(
    queue: str, time_limit: int, *, concurrency: int = 1, env: dict | None = None, recycle: bool = True
) -> subprocess.Popen:
    """A prefork worker of ``concurrency`` children; with ``recycle`` each is replaced after every task (its peak RSS is that task's)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "MNEMO_TRAINING_SOFT_TIME_LIMIT": str(time_limit),
        "MNEMO_TRAINING_TIME_LIMIT": str(time_limit + 60),
        "MNEMO_TRAINING_THREADS": "2",
        **(env or {}),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork", f"--concurrency={concurrency}",
        *(["--max-tasks-per-child=1"] if recycle else []), "--queues", queue, "--without-gossip", "--without-mingle",
        "--without-heartbeat", "--loglevel=warning",
    ]
    return subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def epoch_caps(*, max_epochs: int | None, cakt_epochs: int) -> dict[str, int]:
    """``max_epochs`` per neural kind: ``--max-epochs`` for KARL and DKT (when given), ``--cakt-epochs`` for CAKT."""
    caps = {kind: max_epochs for kind in CAPPED_BY_MAX_EPOCHS if max_epochs}
    return {**caps, "cakt": cakt_epochs}


def train_through_worker(*, kind: str, deck: Deck, queue: str, hyperparameters: dict) -> dict:
    with transaction.atomic():
        run = training_run_create(kind=kind, scope=Scope.of_deck(deck), trigger=TrainingRun.Trigger.ADMIN, hyperparameters=hyperparameters)
        training_run_enqueue(run=run, queue=queue)
    while run.status not in TrainingRun.FINISHED:
        time.sleep(2)
        run.refresh_from_db()
    version = getattr(run, "version", None)
    return {
        "kind": kind,
        "status": run.status,
        "train_seconds": round(run.duration.total_seconds(), 1),
        "peak_memory_mb": round(run.peak_memory_mb or 0.0, 1),
        "hyperparameters": hyperparameters,
        "auc": None if version is None else version.auc,
        "log_loss": None if version is None else version.log_loss,
        "n_holdout": None if version is None else version.n,
        "message": run.message[:200],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", default=",".join(("hlr", "fsrs6", "karl", "dkt", "cakt")))
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--cards", type=int, default=2_000)
    parser.add_argument("--logs", type=int, default=100_000)
    parser.add_argument("--max-epochs", type=int, help="cap the epochs of karl and dkt (default: each model's own)")
    parser.add_argument(
        "--cakt-epochs", type=int, default=DEFAULT_CAKT_EPOCHS,
        help=f"epochs of cakt (default {DEFAULT_CAKT_EPOCHS}: its first epoch on 100,000 logs took about 958 s)",
    )
    parser.add_argument("--time-limit", type=int, default=3_300, help="soft time limit of each run, seconds")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    kinds = [kind for kind in args.kinds.split(",") if kind]
    unknown = set(kinds) - set(MODEL_KINDS)
    if unknown:
        parser.error(f"unknown kinds {sorted(unknown)}; known: {', '.join(MODEL_KINDS)}")
    caps = epoch_caps(max_epochs=args.max_epochs, cakt_epochs=args.cakt_epochs)

    fresh_database()
    started = time.perf_counter()
    deck = store_study_logs(learners=args.learners, cards=args.cards, logs=args.logs, seed=args.seed)
    store_seconds = time.perf_counter() - started
    started = time.perf_counter()
    card_embeddings_ensure(cards=list(deck.cards.all()))
    embed_seconds = time.perf_counter() - started
    n_logs = StudyLog.objects.count()
    print(f"{n_logs} study logs of {args.learners} learners on {args.cards} cards stored in {store_seconds:.1f} s; "
          f"cards embedded in {embed_seconds:.1f} s", flush=True)

    queue = f"bench-{uuid.uuid4().hex}"
    worker = start_worker(queue, args.time_limit)
    results = []
    try:
        for kind in kinds:
            hyperparameters = {"max_epochs": caps[kind]} if kind in caps else {}
            result = train_through_worker(kind=kind, deck=deck, queue=queue, hyperparameters=hyperparameters)
            results.append(result)
            epochs = f"{caps[kind]} epochs" if kind in caps else "default epochs"
            print(f"{kind:6s} {epochs:14s} {result['status']:10s} {result['train_seconds']:8.1f} s  peak {result['peak_memory_mb']:7.1f} MB  "
                  f"AUC {result['auc']}  log loss {result['log_loss']}  {result['message']}", flush=True)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    print(json.dumps({
        "logs": n_logs, "learners": args.learners, "cards": args.cards, "embed_seconds": round(embed_seconds, 1),
        "max_epochs": {kind: caps.get(kind) for kind in kinds}, "results": results,
    }))


if __name__ == "__main__":
    main()
