"""How much card content can add on simulated logs, and how much of it KARL takes.

    .venv/bin/python bench/karl_content_headroom.py [--deck DECK.csv] [--learners 12] [--days 14]
        [--transfer 0.5] [--seed 1] [--models logreg,karl,karl:linear_learning_rate=0.0]

Simulates ``--learners`` learners on the deck (``population_study_logs``, random
policy), holds out the last quarter of them, trains each model on the others (their
own validation split inside) and scores the held-out learners' rows: all rows, first
sightings, and long-term reviews (a day or more after the card's previous review, the
rows ``evaluate``'s time-series protocol scores). Two references: the simulator's own
recall (``oracle``, the floor no model can beat) and ``probe``, the logistic regression
on the history features plus one hand-made feature, the best retrieved neighbour's
similarity times its FSRS retrievability (``max_k sim_k * R_k``, what the simulator's
transfer term is built from, and since issue 21 KARL's own transfer term), fitted
with a fixed C = 0.1 and no answer noise. If ``probe`` gains over ``logreg`` and KARL
does not, the information is in KARL's retrieval but KARL's training does not pick it
up.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression

import _project_root  # noqa: E402,F401  (puts the project root on sys.path)

from knowledge_tracing.cli.evaluate import parse_model_spec  # noqa: E402
from knowledge_tracing.cli.simulate import DEMO_DECK, deck_embeddings, read_deck  # noqa: E402
from knowledge_tracing.history.features import HistoryFeatures, is_spaced_review  # noqa: E402
from knowledge_tracing.history.retrieval import neighbour_recall, retrieve_for_table  # noqa: E402
from knowledge_tracing.metrics import auc, log_loss  # noqa: E402
from knowledge_tracing.models import create_model  # noqa: E402
from knowledge_tracing.models.karl_network import KarlNetwork  # noqa: E402
from knowledge_tracing.protocols import review_context  # noqa: E402
from knowledge_tracing.simulation.experiment import population_study_logs  # noqa: E402
from knowledge_tracing.simulation.study import StudyPlan, study_logs_table  # noqa: E402
from knowledge_tracing.simulation.transfer import CardNeighbours  # noqa: E402

PROBE_C = 0.1


def scores(outcome, predicted, kinds) -> dict:
    return {
        kind: {"log_loss": round(log_loss(outcome[rows], predicted[rows]), 4), "auc": round(auc(outcome[rows], predicted[rows]), 4)}
        for kind, rows in kinds.items()
    }


def probe_predictions(table, held_out) -> np.ndarray:
    """Two-regime logistic regression on history features plus ``max_k sim_k * R_k`` of the retrieved neighbours."""
    extractor = HistoryFeatures().fit(table.take(~held_out))
    history = extractor.transform(table)
    neighbours = retrieve_for_table(
        table, history.pair_states_after, history.time_seconds, 5, table.item_embeddings, extractor.fsrs_parameters
    )
    transfer = KarlNetwork.transfer(
        torch.as_tensor(neighbours.similarity.T), torch.as_tensor(neighbour_recall(neighbours.features).T),
        torch.as_tensor(~neighbours.valid.T),
    ).numpy()
    inputs = np.column_stack([history.features, transfer])
    standardised = (inputs - inputs[~held_out].mean(0)) / np.where(inputs[~held_out].std(0) > 1e-9, inputs[~held_out].std(0), 1.0)
    spaced = is_spaced_review(history.features, 1.0)
    predicted = np.zeros(len(table))
    for regime in (True, False):
        rows = spaced == regime
        fitted = LogisticRegression(C=PROBE_C, max_iter=3000).fit(standardised[~held_out & rows], table.outcome[~held_out & rows])
        predicted[rows] = fitted.predict_proba(standardised[rows])[:, 1]
    return predicted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deck", type=Path, default=DEMO_DECK)
    parser.add_argument("--learners", type=int, default=12)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--transfer", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--models", default="logreg,karl")
    args = parser.parse_args()
    torch.set_num_threads(1)
    cards = read_deck(args.deck)
    embeddings = deck_embeddings([card.text for card in cards], random_seed=None)
    neighbours = CardNeighbours.from_embeddings(embeddings)
    logs = population_study_logs(
        neighbours, args.learners, StudyPlan(days=args.days), policy_name="random", seed=args.seed, transfer_strength=args.transfer
    )
    table = study_logs_table(logs, n_cards=len(cards), item_embeddings=embeddings)
    table = replace(table, item_text=tuple(card.text for card in cards))
    held_out = table.learner >= args.learners * 3 // 4
    context = review_context(table)
    first = ~(context.long_term | context.same_day)
    kinds = {"all": np.ones(held_out.sum(), bool), "first": first[held_out], "long_term": context.long_term[held_out]}
    outcome = table.outcome[held_out]
    figures = {"rows": int(len(table)), "held_out_rows": int(held_out.sum()), "models": {}}
    figures["models"]["oracle"] = scores(outcome, np.concatenate([log.simulated_recall for log in logs])[held_out], kinds)
    figures["models"]["probe"] = scores(outcome, probe_predictions(table, held_out)[held_out], kinds)
    for spec in args.models.split(","):
        name, hyperparameters = parse_model_spec(spec)
        started = time.perf_counter()
        model = create_model(name, seed=0, **hyperparameters)
        report = model.fit(table.take(~held_out))
        figures["models"][spec] = scores(outcome, model.predict_proba(table.take(held_out)), kinds) | {
            "best_epoch": report.best_epoch,
            "seconds": round(time.perf_counter() - started, 1),
        }
    for label, result in figures["models"].items():
        print(label, {kind: result[kind] for kind in kinds})
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
