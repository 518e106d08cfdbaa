"""Data-set build time, training time, peak memory and held-out log loss of each kind as the study log grows.

For each size in ``--logs`` (comma-separated, 100,000 and 1,000,000 by default) a
generated study log (``knowledge_tracing.data.synthetic``, ``--learners`` learners with
about 200 logs each unless given, 2,000 cards) is stored as one deck's study logs in a
fresh bench database and its card texts embedded (setup, timed apart). Then each kind
runs in a child process of its own, so that its peak RSS is its own, doing what a
training run does (``apps.modeling.training``): build the table from the database
(``training_table``: streamed columns, the scope's cache emptied first so the build is
a cold one; a second, cached build is timed too), split by time, fit on the oldest 80%,
score the newest 20%. Kinds are any in the library's registry (``logreg`` included).

    .venv/bin/python bench/training_scale.py [--logs 100000,1000000] [--kinds fsrs6,logreg,karl,dkt,cakt] [--max-epochs 3]
        [--fanout-processes 1,2 [--part-learners 50]]

``--fanout-processes`` then runs FSRS-6 once more per process count the way the app
does, through the Celery path with its learners fanned out in parts
(``apps.modeling.fanout``) over a real prefork worker of that many processes, and
reports the run's start-to-finish seconds (``fsrs6_fanned_out`` in the JSON).

``--max-epochs`` caps the neural kinds (karl, dkt, cakt); the JSON says the cap, and for
each kind how many epochs ran and what stopped them (``stopped_by``): DKT and CAKT also
stop at the app's time budget, ``MNEMO_TRAINING_MAX_SECONDS``, as a training run does. The
database is ``var/bench-scale.sqlite3`` unless ``DATABASE_URL`` is set; it is rebuilt
for every size. The bench runs under glibc's lean allocator tunables, as the worker
does. Prints one line per kind and size; the last line is one JSON object
``{"logs": [...], "kinds": {kind: {size: {build_seconds, train_seconds, peak_mb, log_loss}}}}``
(each kind also says its training's CPU seconds, ``train_cpu_seconds``, which a shared
machine's load does not inflate, and the 1-minute load average when it finished),
and when one size is given ``kinds`` is ``{kind: {build_seconds, ...}}``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import uuid

from _project_root import REPO_ROOT  # noqa: E402

os.environ.setdefault("DATABASE_URL", f"sqlite:///{REPO_ROOT / 'var' / 'bench-scale.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["MNEMO_EMBED_CARDS_ON_SAVE"] = "false"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("MNEMO_MEDIA_ROOT", str(REPO_ROOT / "var" / "bench-scale-media"))
os.environ.setdefault("MNEMO_TRAINING_MEMORY_MB", "1000000")  # the bench measures memory; it does not refuse

from knowledge_tracing.memory import restart_with_lean_allocator  # noqa: E402

if __name__ == "__main__":
    restart_with_lean_allocator()

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from apps.cards.models import Deck  # noqa: E402
from apps.modeling.datasets import Vocabulary, split_by_time  # noqa: E402
from apps.modeling.embeddings import card_embeddings_ensure  # noqa: E402
from apps.modeling.kinds import training_hyperparameters  # noqa: E402
from apps.modeling.scopes import Scope  # noqa: E402
from apps.modeling.table_cache import training_tables_forget  # noqa: E402
from apps.modeling.training import training_device, training_table  # noqa: E402
from apps.study.models import StudyLog  # noqa: E402
from knowledge_tracing.metrics import summarize  # noqa: E402
from knowledge_tracing.models import MODEL_REGISTRY, create_model  # noqa: E402
from training_throughput import fresh_database, start_worker, store_study_logs, train_through_worker  # noqa: E402

NEURAL = ("karl", "dkt", "cakt")
LOGS_PER_LEARNER = 200


def peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM): ``ru_maxrss`` would start from the bench's RSS when it forked this child."""
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def measure_kind(kind: str, max_epochs: int) -> dict:
    """One kind on the bench deck, in this process: build (cold, then cached), fit, score."""
    import torch

    torch.set_num_threads(settings.MNEMO_TRAINING_THREADS)
    scope = Scope.of_deck(Deck.objects.get())
    training_tables_forget()
    started = time.perf_counter()
    table, _ = training_table(scope, kind=kind, vocabulary=Vocabulary())
    build_seconds = time.perf_counter() - started
    del table
    started = time.perf_counter()
    table, _ = training_table(scope, kind=kind, vocabulary=Vocabulary())
    cached_build_seconds = time.perf_counter() - started
    split = split_by_time(table, settings.MNEMO_TRAINING_HOLDOUT_FRACTION)
    hyperparameters = training_hyperparameters(kind, {"max_epochs": max_epochs} if kind in NEURAL else {})
    model = create_model(kind, device=training_device(), **hyperparameters)
    started, started_cpu = time.perf_counter(), time.process_time()
    report = model.fit(split.train)
    train_seconds, train_cpu_seconds = time.perf_counter() - started, time.process_time() - started_cpu
    metrics = summarize(split.table.outcome[split.holdout_rows], model.predict_proba(split.table)[split.holdout_rows])
    return {
        "build_seconds": round(build_seconds, 1),
        "cached_build_seconds": round(cached_build_seconds, 1),
        "train_seconds": round(train_seconds, 1),
        "train_cpu_seconds": round(train_cpu_seconds, 1),
        "load_average": round(os.getloadavg()[0], 1),
        "peak_mb": round(peak_rss_mb(), 1),
        "log_loss": round(float(metrics["log_loss"]), 4),
        "auc": round(float(metrics["auc"]), 4),
        "n_holdout": int(metrics["n"]),
        "epochs": len(report.epochs),
        "stopped_by": report.stopped_by,
    }


def fanned_out_seconds(*, deck, processes: int, part_learners: int) -> dict:
    """An fsrs6 run through a real prefork worker of ``processes`` children (kept, as deployed), learners in parts; the run's time."""
    queue = f"bench-scale-{uuid.uuid4().hex}"
    worker = start_worker(queue, 3_300, concurrency=processes, recycle=False, env={
        "MNEMO_TRAINING_PART_LEARNERS": str(part_learners), "MNEMO_TRAINING_THREADS": "1",
        "MNEMO_PROMOTION_MAX_ECE": "1.0",
    })
    try:
        result = train_through_worker(kind="fsrs6", deck=deck, queue=queue, hyperparameters={})
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    return {"processes": processes, "status": result["status"], "run_seconds": result["train_seconds"], "log_loss": result["log_loss"]}


def run_child(kind: str, max_epochs: int) -> dict:
    completed = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--max-epochs", str(max_epochs)],
        cwd=REPO_ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    if completed.returncode:
        return {"error": completed.stderr.strip().splitlines()[-1] if completed.stderr.strip() else f"exit {completed.returncode}"}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", default="100000,1000000", help="comma-separated sizes")
    parser.add_argument("--kinds", default="fsrs6,logreg,karl,dkt,cakt")
    parser.add_argument("--learners", type=int, help=f"default: logs / {LOGS_PER_LEARNER}")
    parser.add_argument("--cards", type=int, default=2_000)
    parser.add_argument("--max-epochs", type=int, default=3, help="epoch cap of karl, dkt and cakt")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--fanout-processes", default="",
        help="e.g. 1,2: after the kinds, an fsrs6 run through a real worker of that many processes, learners in parts",
    )
    parser.add_argument("--part-learners", type=int, default=50, help="learners per part of the fanned-out run")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_kind(args.child, args.max_epochs)))
        return
    kinds = [kind for kind in args.kinds.split(",") if kind]
    unknown = [kind for kind in kinds if kind not in MODEL_REGISTRY]
    if unknown:
        parser.error(f"unknown kinds {unknown}")
    sizes = [int(size) for size in args.logs.split(",") if size]
    processes = [int(count) for count in args.fanout_processes.split(",") if count]
    figures: dict[str, dict] = {kind: {} for kind in kinds}
    fanned_out: dict[str, list] = {}
    for size in sizes:
        fresh_database()
        training_tables_forget()
        started = time.perf_counter()
        learners = args.learners or max(1, size // LOGS_PER_LEARNER)
        deck = store_study_logs(learners=learners, cards=args.cards, logs=size, seed=args.seed)
        card_embeddings_ensure(cards=list(deck.cards.all()))
        stored = StudyLog.objects.count()
        print(f"{stored} study logs of {learners} learners on {args.cards} cards stored and embedded in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        for kind in kinds:
            result = run_child(kind, args.max_epochs)
            figures[kind][str(size)] = result
            print(f"{size:>9} {kind:7s} " + "  ".join(f"{key} {value}" for key, value in result.items()), flush=True)
        for count in processes:
            result = fanned_out_seconds(deck=deck, processes=count, part_learners=args.part_learners)
            fanned_out.setdefault(str(size), []).append(result)
            print(f"{size:>9} fsrs6 in parts of {args.part_learners} learners, {count} worker processes: "
                  + "  ".join(f"{key} {value}" for key, value in result.items()), flush=True)
    if len(sizes) == 1:
        figures = {kind: by_size[str(sizes[0])] for kind, by_size in figures.items()}
    summary = {"logs": sizes[0] if len(sizes) == 1 else sizes, "max_epochs": args.max_epochs, "kinds": figures}
    if processes:
        summary["fsrs6_fanned_out"] = fanned_out[str(sizes[0])] if len(sizes) == 1 else fanned_out
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
