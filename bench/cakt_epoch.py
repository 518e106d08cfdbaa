"""CAKT training speed and peak memory on ASSIST2009 at the paper's settings.

Trains CAKT (k=4, H=15, batch 80, Adam 1e-3, weight decay 1e-5) on ``train1.csv``,
scoring ``valid1.csv`` after each epoch, and prints seconds per epoch, the time to
the best validation epoch and the peak resident memory of the process. With
``--batches N`` it times only the first N training batches of one epoch and
extrapolates to the epoch by the share of training rows they covered (for a quick
figure on a busy machine). Besides wall-clock seconds it reports the CPU seconds of
the process: on a machine shared with other jobs, wall time mostly measures the
others, while CPU time with ``--threads 1`` approximates the wall time on an idle
core. It runs under glibc's lean allocator tunables (``knowledge_tracing.memory``)
unless ``GLIBC_TUNABLES`` is set: ``GLIBC_TUNABLES= python bench/cakt_epoch.py``
measures glibc's defaults. The last line is one JSON object.

    python bench/cakt_epoch.py --epochs 3
    python bench/cakt_epoch.py --batches 10
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import _project_root  # noqa: F401  (the project root on sys.path)
from knowledge_tracing.memory import restart_with_lean_allocator

if __name__ == "__main__":
    # Before torch is loaded, so that the restarted process is the only one to load it.
    restart_with_lean_allocator()

import numpy as np  # noqa: E402
import torch  # noqa: E402

from knowledge_tracing.data.loaders import load_tables  # noqa: E402
from knowledge_tracing.models import create_model  # noqa: E402
from knowledge_tracing.models.sequences import iterate_batches  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "kt" / "assist2009"


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_batches(model, train, n_batches: int) -> dict:
    """Seconds for the first ``n_batches`` training steps, extrapolated to a full epoch."""
    hp = model.hyperparameters
    model._network_sizes = {"n_concepts": int(train.concept.max()) + 1, "text_dim": 0}
    model.network = model._build_network(**model._network_sizes)
    optimizer = torch.optim.Adam(model.network.parameters(), lr=hp["learning_rate"], weight_decay=hp["weight_decay"])
    model.network.train()
    rows, started, cpu_started = 0, time.perf_counter(), time.process_time()
    batches = iterate_batches(train, hp["batch_size"], max_length=hp["max_train_length"], rng=np.random.default_rng(0))
    for _, batch in zip(range(n_batches), batches):
        rows += model._train_step(batch, optimizer)[1]
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    share = len(train) / rows
    return {
        "batches": n_batches,
        "rows": rows,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "epoch_seconds_estimate": seconds * share,
        "epoch_cpu_seconds_estimate": cpu_seconds * share,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--epochs", type=int, default=3, help="full epochs to train (ignored with --batches)")
    parser.add_argument("--batches", type=int, help="time only this many training batches and extrapolate")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    train, valid = load_tables("assist", [args.data / "train1.csv", args.data / "valid1.csv"])
    print(f"ASSIST2009 train1: {len(train)} rows, {train.n_learners} learners; valid1: {len(valid)} rows; threads {args.threads}")
    model = create_model("cakt", seed=args.seed, max_epochs=args.epochs, patience=args.epochs)
    if args.batches:
        figures = time_batches(model, train, args.batches)
        print(f"{figures['batches']} batches, {figures['rows']} rows in {figures['seconds']:.1f} s ({figures['cpu_seconds']:.1f} CPU s)")
        print(f"estimated epoch: {figures['epoch_seconds_estimate']:.0f} s ({figures['epoch_cpu_seconds_estimate']:.0f} CPU s)")
    else:
        cpu_started = time.process_time()
        report = model.fit(train, valid, progress=lambda record: print(json.dumps(record), flush=True))
        ends = [record["seconds"] for record in report.epochs]
        epoch_seconds = np.diff([0.0, *ends])
        figures = {
            "epochs": len(report.epochs),
            "seconds_per_epoch": [round(float(s), 1) for s in epoch_seconds],
            "best_epoch": report.best_epoch,
            "best_valid_auc": max(record["valid_auc"] for record in report.epochs),
            "seconds_to_best_epoch": ends[report.best_epoch - 1],
            "cpu_seconds": time.process_time() - cpu_started,
        }
        print(f"seconds per epoch (incl. validation): {figures['seconds_per_epoch']}")
        print(f"CPU seconds in all: {figures['cpu_seconds']:.0f}")
        print(f"best epoch {figures['best_epoch']} (valid AUC {figures['best_valid_auc']:.4f}) after {figures['seconds_to_best_epoch']:.0f} s")
    figures["peak_rss_mb"] = round(peak_rss_mb(), 1)
    figures["threads"] = args.threads
    print(f"peak RSS: {figures['peak_rss_mb']:.0f} MB")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
