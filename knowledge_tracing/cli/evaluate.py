"""``python -m knowledge_tracing evaluate``: train models side by side and score them on one protocol.

Fixed splits (``--train/--valid/--test``) or the spaced-repetition benchmark's
time-series protocol on review logs (``--data FILE [FILE ...] --protocol time-series
--folds``), each file cut and fitted on its own, as the benchmark fits each user
(``--format anki`` reads Anki packages and collections, each one learner, with card
text and decks: ``knowledge_tracing.anki.study_rows``); see
``knowledge_tracing.protocols`` for which rows are scored. Models choose epochs on
validation data only. Predictions of all folds (and files) are pooled before scoring.
Prints a table and optionally writes the figures as JSON and every scored prediction
as CSV (``--predictions``), so that models can be compared row by row.

When the scored reviews come from several learners, the table also gives the
benchmark's per-learner summary: each learner's log loss, RMSE(bins) and AUC, their
mean weighted by scored reviews with half the 95% bootstrap interval over learners
(``log_loss_learners`` and so on), and per-learner wins (``wins_log_loss``: on how
many learners the model has the lowest log loss; ``wins_auc`` the highest AUC; of all
the models run, ties counting for each).

For models that choose an epoch on validation, the ``epochs`` column gives, per
fold, the epoch kept and the epochs trained (``7/10``: epoch 7 kept, stopped after
10 by patience or by the ``max_epochs`` cap).

Models are registry names, optionally with hyper-parameters:
``--models fsrs6,fsrs6-default,dkt:max_epochs=5:hidden_size=64`` (values are JSON
literals, else strings). ``fsrs6`` is optimised per learner, ``fsrs6-default`` is not.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from knowledge_tracing import metrics
from knowledge_tracing.data.loaders import FORMATS, load_tables
from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.history.pairs import earlier_count
from knowledge_tracing.models import MODEL_REGISTRY, create_model
from knowledge_tracing.protocols import Fold, fixed_split_folds, review_context, time_series_folds


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", required=True, choices=FORMATS, dest="data_format")
    parser.add_argument("--train", type=Path, help="training file (fixed splits)")
    parser.add_argument("--valid", type=Path, help="validation file for choosing epochs (fixed splits)")
    parser.add_argument("--test", type=Path, help="test file (fixed splits)")
    parser.add_argument("--data", type=Path, nargs="+", help="review logs, one learner per file, each cut by --protocol")
    parser.add_argument("--protocol", choices=["time-series"], default="time-series")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--models", required=True, help="comma-separated model names, e.g. fsrs6,hlr,constant")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, dest="json_path", help="write the results here")
    parser.add_argument(
        "--predictions",
        type=Path,
        metavar="CSV",
        dest="predictions_path",
        help="write each scored test row with every model's predicted probability here",
    )
    parser.add_argument("--skill-names", type=Path, help="ASSISTments id<TAB>name file: item text")
    parser.add_argument(
        "--merge-multi-skill",
        action="store_true",
        help="assist: keep one row of each repeated multi-skill problem, whose other rows give its answer away",
    )
    parser.add_argument("--embed", action="store_true", help="embed item text for content-aware models")
    parser.add_argument("--encoder", help="sentence-transformers model path (default: packaged MiniLM)")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument(
        "--holdout-concepts",
        type=float,
        metavar="FRACTION",
        help="cold start: drop this fraction of the concepts (chosen by --seed) from training "
        "and validation, and score only test rows of those concepts (fixed splits)",
    )


def parse_model_spec(spec: str) -> tuple[str, dict]:
    """'name:key=value:...' -> (name, hyper-parameters); values parsed as JSON when they can be."""
    name, *settings = spec.strip().split(":")
    hyperparameters = {}
    for setting in settings:
        key, separator, text = setting.partition("=")
        if not separator:
            raise ValueError(f"model setting {setting!r} in {spec!r} is not key=value")
        try:
            hyperparameters[key] = json.loads(text)
        except json.JSONDecodeError:
            hyperparameters[key] = text
    if name not in MODEL_REGISTRY:
        raise ValueError(f"unknown model {name!r}; known models: {', '.join(sorted(MODEL_REGISTRY))}")
    MODEL_REGISTRY[name].check_hyperparameters(hyperparameters)
    return name, hyperparameters


def run(args: argparse.Namespace) -> int:
    try:
        specs = [parse_model_spec(spec) for spec in args.models.split(",") if spec.strip()]
        folds, sources, dataset, protocol = _folds(args)
    except (ValueError, OSError) as error:
        print(f"evaluate: {error}", file=sys.stderr)
        return 2
    _seed_everything(args.seed, args.threads)
    results, predictions, skipped = [], {}, []
    for (name, hyperparameters), spec in zip(specs, args.models.split(",")):
        label = spec.strip()
        reason = _cannot_run(name, folds[0].test)
        if reason:
            print(f"skipping {label}: {reason}", file=sys.stderr)
            skipped.append({"model": label, "reason": reason})
            continue
        result, predictions[label] = evaluate_model(label, name, hyperparameters, folds, args.seed, sources)
        results.append(result)
    summarise_learners(results)
    _print_table(results, dataset, protocol)
    if args.json_path:
        payload = {"dataset": dataset, "protocol": protocol, "seed": args.seed, "results": results, "skipped": skipped}
        args.json_path.write_text(json.dumps(payload, indent=2))
    if args.predictions_path:
        write_predictions(args.predictions_path, folds, predictions)
    return 0


def _folds(args) -> tuple[list[Fold], list[str], str, str]:
    """The folds to fit and score, the file each fold comes from, and the dataset's and protocol's names."""
    options = {"skill_names": args.skill_names, "merge_multi_skill": args.merge_multi_skill}
    if args.data:
        if args.train or args.test:
            raise ValueError("give either --data or --train/--test, not both")
        folds, sources = [], []
        for path in args.data:
            (table,) = load_tables(args.data_format, [path], **options)
            file_folds = time_series_folds(_embedded(args, [table])[0], args.folds)
            folds += file_folds
            sources += [str(path)] * len(file_folds)
        dataset = str(args.data[0]) if len(args.data) == 1 else f"{len(args.data)} files ({', '.join(map(str, args.data))})"
        return folds, sources, dataset, f"{args.protocol} ({args.folds} folds per file)"
    if not (args.train and args.test):
        raise ValueError("give --data, or --train and --test (and optionally --valid)")
    paths = [args.train, args.test] + ([args.valid] if args.valid else [])
    tables = _embedded(args, load_tables(args.data_format, paths, **options))
    valid = tables[2] if args.valid else None
    folds = fixed_split_folds(tables[0], valid, tables[1])
    sources = [str(args.test)]
    protocol = "fixed split, repeated multi-skill rows merged" if args.merge_multi_skill else "fixed split"
    if args.holdout_concepts is None:
        return folds, sources, str(args.test), protocol
    held_out = _choose_concepts(tables[0], args.holdout_concepts, args.seed)
    protocol += f", {len(held_out)} concepts held out of training ({args.holdout_concepts:g})"
    return [_without_concepts(fold, held_out) for fold in folds], sources, str(args.test), protocol


def _choose_concepts(train: StudyLogTable, fraction: float, seed: int) -> np.ndarray:
    """A seeded random share of the training concepts, at least one."""
    if not 0 < fraction < 1:
        raise ValueError(f"--holdout-concepts must be between 0 and 1, got {fraction}")
    concepts = np.unique(train.concept)
    count = max(1, round(fraction * len(concepts)))
    return np.sort(np.random.default_rng(seed).choice(concepts, size=count, replace=False))


def _without_concepts(fold: Fold, held_out: np.ndarray) -> Fold:
    """The fold with ``held_out`` concepts removed from training data, scoring only their test rows."""

    def kept(table: StudyLogTable | None) -> StudyLogTable | None:
        return None if table is None else table.take(~np.isin(table.concept, held_out))

    scored = fold.scored[np.isin(fold.test.concept[fold.scored], held_out)]
    return replace(fold, train=kept(fold.train), valid=kept(fold.valid), train_full=kept(fold.train_full), scored=scored)


def _embedded(args, tables: list[StudyLogTable]) -> list[StudyLogTable]:
    """Tables with item text embeddings when --embed is given (all tables share item ids)."""
    if not args.embed:
        return tables
    if tables[0].item_text is None:
        raise ValueError("--embed needs item text, and this data has none")
    from knowledge_tracing.embeddings import SentenceEncoder

    embeddings = SentenceEncoder(model_path=args.encoder).encode(list(tables[0].item_text))
    return [table.with_embeddings(embeddings) for table in tables]


def _seed_everything(seed: int, threads: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)


def _cannot_run(name: str, table: StudyLogTable) -> str | None:
    if MODEL_REGISTRY[name].requires_timestamps and not table.has_timestamps:
        return f"{name} models time between reviews, and this data has no timestamps"
    return None


def _epoch_printer(prefix: str):
    """A progress callback that prints each training epoch to stderr, so long runs can be followed."""

    def print_epoch(record: dict) -> None:
        figures = ", ".join(f"{key} {value:.4f}" if isinstance(value, float) else f"{key} {value}" for key, value in record.items())
        print(f"{prefix}: {figures}", file=sys.stderr, flush=True)

    return print_epoch


def evaluate_model(
    label: str, name: str, hyperparameters: dict, folds: list[Fold], seed: int, sources: list[str]
) -> tuple[dict, np.ndarray]:
    """Fit one model per fold, pool the scored predictions, and compute the figures.

    ``sources`` names the file of each fold; with timestamps, the figures of each
    learner (file and learner key) are kept too. Returns the figures and the pooled
    predictions (fold by fold, scored rows in order).
    """
    uses_validation = MODEL_REGISTRY[name].uses_validation
    pooled: dict[str, list] = {key: [] for key in ("outcome", "predicted", "elapsed", "number", "lapses", "changed", "learner")}
    same_day_outcome, same_day_predicted, fit_reports = [], [], []
    train_seconds = 0.0
    for index, (fold, source) in enumerate(zip(folds, sources), start=1):
        model = create_model(name, seed=seed, **hyperparameters)
        started = time.perf_counter()
        progress = _epoch_printer(f"{label}: fold {index}/{len(folds)}")
        if uses_validation:
            report = model.fit(fold.train, fold.valid, progress=progress)
        else:
            report = model.fit(fold.train_full, progress=progress)
        train_seconds += time.perf_counter() - started
        fit_reports.append({"fold": index, "best_epoch": report.best_epoch, "epochs": len(report.epochs)})
        predicted = model.predict_proba(fold.test)
        test = fold.test
        pooled["outcome"].append(test.outcome[fold.scored])
        pooled["predicted"].append(predicted[fold.scored])
        pooled["changed"].append(metrics.concept_changed(test.learner, test.concept)[fold.scored])
        pooled["learner"].append([f"{source}:{test.learner_keys[learner]}" for learner in test.learner[fold.scored]])
        if test.has_timestamps:
            context = review_context(test)
            pooled["elapsed"].append(context.elapsed_days[fold.scored])
            pooled["number"].append(context.review_number[fold.scored])
            pooled["lapses"].append(context.lapse_count[fold.scored])
            same_day_outcome.append(test.outcome[fold.same_day])
            same_day_predicted.append(predicted[fold.same_day])
        print(f"{label}: fold {index}/{len(folds)} done ({train_seconds:.1f} s training)", file=sys.stderr)
    outcome = np.concatenate(pooled["outcome"])
    predicted = np.concatenate(pooled["predicted"])
    result = {"model": label, **metrics.summarize(outcome, predicted), "train_seconds": round(train_seconds, 3)}
    if pooled["elapsed"]:
        bins = [np.concatenate(pooled[key]) for key in ("elapsed", "number", "lapses")]
        result["rmse_bins"] = metrics.rmse_bins(outcome, predicted, *bins)
        result["per_learner"] = _per_learner(np.concatenate(pooled["learner"]), outcome, predicted, bins)
        same_day = np.concatenate(same_day_outcome)
        result["same_day_log_loss"] = metrics.log_loss(same_day, np.concatenate(same_day_predicted))
        result["same_day_n"] = int(len(same_day))
    else:
        changed = np.concatenate(pooled["changed"])
        result["auc_concept_changed"] = metrics.auc(outcome[changed], predicted[changed])
        result["n_concept_changed"] = int(changed.sum())
    result["folds"] = fit_reports
    if all(report["best_epoch"] is not None for report in fit_reports):
        result["epochs"] = " ".join(f"{report['best_epoch']}/{report['epochs']}" for report in fit_reports)
    return result, predicted


def _per_learner(learner: np.ndarray, outcome: np.ndarray, predicted: np.ndarray, bins: list[np.ndarray]) -> dict:
    """The benchmark's three figures for each learner's scored reviews."""
    figures = {}
    for key in dict.fromkeys(learner):
        rows = learner == key
        figures[str(key)] = {
            "log_loss": metrics.log_loss(outcome[rows], predicted[rows]),
            "rmse_bins": metrics.rmse_bins(outcome[rows], predicted[rows], *(column[rows] for column in bins)),
            "auc": metrics.auc(outcome[rows], predicted[rows]),
            "n": int(rows.sum()),
        }
    return figures


LEARNER_FIGURES = ("log_loss", "rmse_bins", "auc")
WINNING = (("log_loss", min), ("auc", max))


def summarise_learners(results: list[dict]) -> None:
    """Add per-learner means with 95% intervals, and per-learner wins, to each result that has several learners."""
    with_learners = [result for result in results if len(result.get("per_learner", {})) > 1]
    for result in with_learners:
        figures = result["per_learner"].values()
        for metric in LEARNER_FIGURES:
            mean, half_width = metrics.learner_mean_interval([f[metric] for f in figures], [f["n"] for f in figures])
            result[f"{metric}_learners"] = f"{mean:.4f}±{half_width:.4f}"
    for metric, best in WINNING:
        wins = [0] * len(with_learners)
        for learner in with_learners[0]["per_learner"] if with_learners else ():
            values = [result["per_learner"][learner][metric] for result in with_learners]
            defined = [value for value in values if not np.isnan(value)]
            for position, value in enumerate(values):
                wins[position] += bool(defined) and value == best(defined)
        for result, count in zip(with_learners, wins):
            result[f"wins_{metric}"] = f"{count}/{len(result['per_learner'])}"


def write_predictions(path: Path, folds: list[Fold], predictions: dict[str, np.ndarray]) -> None:
    """One CSV line per scored test row: which answer it is, then each model's probability.

    Lines follow the order in which the figures pool the rows, fold by fold. ``time``
    is the row's time as loaded (seconds since the epoch, or the step within the
    learner's sequence when the data has no timestamps); ``concept`` the dense id all
    tables of the run share; ``position`` how many rows of the learner come before it
    in the test data, ``attempt`` how many of those have the same item, and
    ``concept_changed`` whether the previous row's concept differs (1) or not (0), so
    that ``python -m knowledge_tracing breakdown`` can score the models by each.
    """
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["fold", "learner", "item", "concept", "time", "outcome", *ROW_FACTS, *predictions])
        offset = 0
        for index, fold in enumerate(folds, start=1):
            test, rows = fold.test, fold.scored
            facts_of_test = row_facts(test)
            facts = np.stack([facts_of_test[name][rows] for name in ROW_FACTS], axis=1)
            columns = [predicted[offset : offset + len(rows)] for predicted in predictions.values()]
            for line, row in enumerate(rows):
                keys = [test.learner_keys[test.learner[row]], test.item_keys[test.item[row]], int(test.concept[row])]
                moment = np.format_float_positional(test.time[row], trim="-")
                probabilities = (f"{column[line]:.6f}" for column in columns)
                writer.writerow([index, *keys, moment, int(test.outcome[row]), *facts[line], *probabilities])
            offset += len(rows)


ROW_FACTS = ("position", "attempt", "concept_changed")


def row_facts(table: StudyLogTable) -> dict[str, np.ndarray]:
    """Per row: rows of its learner before it, of those the ones with its item, and a concept change."""
    return {
        "position": table.learner_positions(),
        "attempt": earlier_count(table, np.ones(len(table), dtype=bool)),
        "concept_changed": metrics.concept_changed(table.learner, table.concept).astype(np.int64),
    }


COLUMNS = (
    ("model", "{}"),
    ("auc", "{:.4f}"),
    ("log_loss", "{:.4f}"),
    ("ece", "{:.4f}"),
    ("brier", "{:.4f}"),
    ("rmse_bins", "{:.4f}"),
    ("same_day_log_loss", "{:.4f}"),
    ("auc_concept_changed", "{:.4f}"),
    ("log_loss_learners", "{}"),
    ("rmse_bins_learners", "{}"),
    ("auc_learners", "{}"),
    ("wins_log_loss", "{}"),
    ("wins_auc", "{}"),
    ("n", "{}"),
    ("train_seconds", "{:.1f}"),
    ("epochs", "{}"),
)


def _print_table(results: list[dict], dataset: str, protocol: str) -> None:
    """A Markdown table (pastes straight into docs/) of the columns any result has."""
    columns = [(key, fmt) for key, fmt in COLUMNS if any(key in result for result in results)]
    print(f"dataset: {dataset}; protocol: {protocol}")
    print("| " + " | ".join(key for key, _ in columns) + " |")
    print("|" + "|".join("---" for _ in columns) + "|")
    for result in results:
        cells = [fmt.format(result[key]) if key in result else "" for key, fmt in columns]
        print("| " + " | ".join(cells) + " |")
