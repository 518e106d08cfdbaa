"""What KARL's content term does on a real Anki file, judged on validation rows only (never a test fold).

    .venv/bin/python bench/karl_anki_validation.py FILE [--encoders all-MiniLM-L6-v2,use-multilingual-v3]
        [--variants "karl,karl:k=10"] [--folds 5] [--threads 2]

For each encoder the file is read as ``evaluate --format anki --embed`` reads it, and
cut by the time-series protocol (``--folds``); each KARL variant is fitted on every
fold's training rows exactly as ``evaluate`` fits it, and only figures that KARL's own
selection sees are printed: per fold, the validation log loss of the history-only
linear start (this is ``logreg`` fitted on the training rows), of the start with the
transfer term, whether the transfer was chosen, and the kept epoch with its validation
log loss. Also, per encoder, how similar the retrieved cards are (the learner's own
cards studied before the row: mean cosine of the best and of the k-th, and how
often the best is above 0.8). The test folds are never predicted. Last line: one
JSON object of every figure.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

import _project_root  # noqa: E402,F401  (puts the project root on sys.path)

from knowledge_tracing.cli.evaluate import parse_model_spec  # noqa: E402
from knowledge_tracing.data.loaders import load_tables  # noqa: E402
from knowledge_tracing.embeddings import PACKAGED_MODEL_NAME, SentenceEncoder  # noqa: E402
from knowledge_tracing.history.features import HistoryFeatures  # noqa: E402
from knowledge_tracing.history.retrieval import retrieve_for_table  # noqa: E402
from knowledge_tracing.models import create_model  # noqa: E402
from knowledge_tracing.protocols import time_series_folds  # noqa: E402


def retrieval_figures(table, k: int) -> dict:
    """How similar each row's retrieved cards (the learner's own, studied before the row) are: best and k-th cosine."""
    extractor = HistoryFeatures().fit(table)
    history = extractor.transform(table)
    neighbours = retrieve_for_table(table, history.pair_states_after, history.time_seconds, k, table.item_embeddings, extractor.fsrs_parameters)
    found = neighbours.valid[:, -1]
    return {
        "rows_with_k_neighbours": int(found.sum()),
        "mean_best_similarity": round(float(neighbours.similarity[found, 0].mean()), 4),
        "mean_kth_similarity": round(float(neighbours.similarity[found, -1].mean()), 4),
        "rows_best_similarity_over_0.8": round(float((neighbours.similarity[found, 0] > 0.8).mean()), 4),
    }


def fit_variant(spec: str, folds, seed: int) -> list[dict]:
    name, hyperparameters = parse_model_spec(spec)
    figures = []
    for index, fold in enumerate(folds, start=1):
        torch.manual_seed(seed)
        model = create_model(name, seed=seed, **hyperparameters)
        started = time.perf_counter()
        report = model.fit(fold.train, fold.valid)
        start = report.epochs[0]
        figures.append({
            "fold": index,
            "history_only_valid": round(start["history_only_valid_log_loss"], 5),
            "with_transfer_valid": round(start["with_transfer_valid_log_loss"], 5) if "with_transfer_valid_log_loss" in start else None,
            "transfer_chosen": start["transfer"],
            "kept_epoch": report.best_epoch,
            "kept_valid": round(report.epochs[report.best_epoch]["valid_log_loss"], 5),
            "seconds": round(time.perf_counter() - started, 1),
        })
        print(f"  {spec} fold {index}: {figures[-1]}", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--encoders", default=f"{PACKAGED_MODEL_NAME},use-multilingual-v3")
    parser.add_argument("--variants", default="karl")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    (table,) = load_tables("anki", [args.file])
    results = {"file": str(args.file), "encoders": {}}
    for encoder in args.encoders.split(","):
        path = None if encoder == PACKAGED_MODEL_NAME else encoder
        embedded = table.with_embeddings(SentenceEncoder(path).encode(list(table.item_text)))
        folds = time_series_folds(embedded, args.folds)
        print(f"{encoder}:", flush=True)
        figures = {"retrieval": retrieval_figures(embedded, 5), "variants": {}}
        print(f"  retrieval: {figures['retrieval']}", flush=True)
        for spec in args.variants.split(","):
            folds_figures = fit_variant(spec, folds, args.seed)
            figures["variants"][spec] = {
                "folds": folds_figures,
                "transfer_chosen": sum(fold["transfer_chosen"] for fold in folds_figures),
                "mean_kept_valid": round(float(np.mean([fold["kept_valid"] for fold in folds_figures])), 5),
                "mean_history_only_valid": round(float(np.mean([fold["history_only_valid"] for fold in folds_figures])), 5),
            }
            print(f"  {spec}: {json.dumps({key: value for key, value in figures['variants'][spec].items() if key != 'folds'})}", flush=True)
        results["encoders"][encoder] = figures
    print(json.dumps(results))


if __name__ == "__main__":
    main()
