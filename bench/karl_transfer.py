"""KARL against its baselines on content-rich simulated logs: one ``evaluate`` run per deck, transfer strength and seed.

    .venv/bin/python bench/karl_transfer.py [--decks DECK.csv,...] [--transfer 0.5,0] [--seeds 1,2,3]
        [--learners 10] [--days 14] [--models karl,logreg,fsrs6,hlr]

For every combination, the project's own two commands, in this process:

    python -m knowledge_tracing simulate-log --deck DECK --learners N --days D --seed S --transfer T --output LOG.csv
    python -m knowledge_tracing evaluate --format studylog --data LOG.csv --protocol time-series --folds 5 \\
        --embed --models MODELS --seed S --threads 1

Prints each run's log loss / AUC per model (on the long-term reviews the time-series
protocol scores) with its wall time and KARL's epochs, then per deck and transfer the
mean over seeds with the spread (half the range), and last one JSON object of every
figure. The decks default to the demo deck and the two under ``bench/decks/``.
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from _project_root import REPO_ROOT

from knowledge_tracing.cli import main as knowledge_tracing_main

DEFAULT_DECKS = (
    REPO_ROOT / "apps/cards/demo_deck/cards.csv",
    REPO_ROOT / "bench/decks/spanish_vocabulary.csv",
    REPO_ROOT / "bench/decks/world_geography.csv",
)


def run(deck: Path, transfer: float, seed: int, args, folder: Path) -> dict:
    """Simulate one log and evaluate the models on it; per model log loss, AUC, training seconds and epochs."""
    log, figures = folder / f"{deck.stem}-{transfer}-{seed}.csv", folder / f"{deck.stem}-{transfer}-{seed}.json"
    quiet = io.StringIO()
    with redirect_stdout(quiet), redirect_stderr(quiet):
        simulate = ["simulate-log", "--deck", str(deck), "--learners", str(args.learners), "--days", str(args.days)]
        simulate += ["--seed", str(seed), "--transfer", str(transfer), "--output", str(log)]
        if knowledge_tracing_main(simulate) != 0:
            raise SystemExit(f"simulate-log failed:\n{quiet.getvalue()}")
        started = time.perf_counter()
        evaluate = ["evaluate", "--format", "studylog", "--data", str(log), "--protocol", "time-series", "--folds", "5"]
        evaluate += ["--embed", "--models", args.models, "--seed", str(seed), "--threads", "1", "--json", str(figures)]
        if knowledge_tracing_main(evaluate) != 0:
            raise SystemExit(f"evaluate failed:\n{quiet.getvalue()}")
    results = json.loads(figures.read_text())["results"]
    return {
        "deck": deck.stem, "transfer": transfer, "seed": seed, "wall_seconds": round(time.perf_counter() - started, 1),
        "n": results[0]["n"],
        "models": {
            result["model"]: {
                "log_loss": round(result["log_loss"], 4), "auc": round(result["auc"], 4),
                "train_seconds": round(result["train_seconds"], 1), "epochs": result.get("epochs", ""),
            }
            for result in results
        },
    }


def summary(runs: list[dict], models: list[str]) -> list[dict]:
    """Per deck and transfer: each model's mean log loss and AUC over seeds, with half their range."""
    groups: dict[tuple, list[dict]] = {}
    for figures in runs:
        groups.setdefault((figures["deck"], figures["transfer"]), []).append(figures)
    rows = []
    for (deck, transfer), group in groups.items():
        row = {"deck": deck, "transfer": transfer, "seeds": [figures["seed"] for figures in group], "models": {}}
        for model in models:
            for metric in ("log_loss", "auc"):
                values = [figures["models"][model][metric] for figures in group]
                row["models"].setdefault(model, {})[metric] = {
                    "mean": round(sum(values) / len(values), 4), "spread": round((max(values) - min(values)) / 2, 4)
                }
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decks", default=",".join(str(deck) for deck in DEFAULT_DECKS))
    parser.add_argument("--transfer", default="0.5,0")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--learners", type=int, default=10)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--models", default="karl,logreg,fsrs6,hlr")
    args = parser.parse_args()
    models = args.models.split(",")
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        for deck in [Path(name) for name in args.decks.split(",")]:
            for transfer in [float(value) for value in args.transfer.split(",")]:
                for seed in [int(value) for value in args.seeds.split(",")]:
                    figures = run(deck, transfer, seed, args, Path(folder))
                    runs.append(figures)
                    scores = "  ".join(
                        f"{model} {figures['models'][model]['log_loss']:.4f}/{figures['models'][model]['auc']:.4f}"
                        for model in models
                    )
                    karl_epochs = figures["models"].get("karl", {}).get("epochs", "")
                    print(f"{deck.stem} transfer {transfer} seed {seed} (n {figures['n']}, {figures['wall_seconds']} s): "
                          f"{scores}  karl epochs {karl_epochs}", flush=True)
    rows = summary(runs, models)
    for row in rows:
        means = "  ".join(
            f"{model} {figures['log_loss']['mean']:.4f}±{figures['log_loss']['spread']:.4f}"
            f"/{figures['auc']['mean']:.4f}±{figures['auc']['spread']:.4f}"
            for model, figures in row["models"].items()
        )
        print(f"mean {row['deck']} transfer {row['transfer']}: {means}")
    print(json.dumps({"runs": runs, "summary": rows}))


if __name__ == "__main__":
    main()
