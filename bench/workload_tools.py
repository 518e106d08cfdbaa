"""Anki's workload tools in the simulator: how much evener the daily reviews get, and what it costs in retention.

The same simulated learners (same seed, same random streams) study the demo deck
under FSRS due order for ``--days`` days with a budget that never binds (so each
day's answers are what falls due, plus at most ``--new-per-day`` new cards until the
deck's 389 cards are all seen, about day 26 by default), once
without the tools and once with each of: the load balancer, the load balancer with
sibling dispersal (the deck's cards paired into notes of two, like a reversed card),
and both with easy days (Saturday and Sunday at half load). In every run, "off"
included, a review a day or more away is due at the start of its day, as in Anki
(``study.balanced_due_time``), so the runs differ only by the tools. Per run, over the days
after the first two weeks (when reviews have built up): the day-to-day spread of
answers per day (``day_to_day_spread``: the standard deviation of day-to-day
changes over sqrt 2, blind to the slow trend as reviews build up and new cards run
out) and the busiest day over the mean day, each learner's then averaged;
retention (the share of reviews recalled; a review is an answer on a later day than
the card's first) and cards known at a test the day after the last study day; how
often a second card of a note was reviewed the same day as the first.

    nice -n 10 .venv/bin/python bench/workload_tools.py [--learners 3] [--days 50] [--seeds 1,2,3]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

import _project_root  # noqa: E402,F401  (the project root on sys.path)
from knowledge_tracing.cli.simulate import DEMO_DECK, deck_embeddings, read_deck  # noqa: E402
from knowledge_tracing.history.fsrs_memory import SECONDS_PER_DAY  # noqa: E402
from knowledge_tracing.policies import create_policy  # noqa: E402
from knowledge_tracing.policies.load_balance import WorkloadSettings  # noqa: E402
from knowledge_tracing.simulation import CardNeighbours, simulated_population  # noqa: E402
from knowledge_tracing.simulation.experiment import START_TIME, daily_answer_counts, day_to_day_spread  # noqa: E402
from knowledge_tracing.simulation.study import StudyPlan, study_deck  # noqa: E402

SETTLING_DAYS = 14
LIGHT_WEEKEND = (1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5)
VARIANTS = {
    "off": WorkloadSettings(balance=False, disperse_siblings=False),
    "balance": WorkloadSettings(disperse_siblings=False),
    "balance+siblings": WorkloadSettings(),
    "balance+siblings+easy_days": WorkloadSettings(weekday_load=LIGHT_WEEKEND),
}


def run_variant(workload, neighbours, notes, plan, *, learners: int, seed: int) -> dict:
    population = simulated_population(learners, neighbours=neighbours, seed=seed)
    policy = create_policy("fsrs")
    test_time = START_TIME + plan.days * SECONDS_PER_DAY
    spreads, peaks, reviews_recalled, reviews, known, same_day = [], [], 0, 0, [], []
    for index, learner in enumerate(population):
        log = study_deck(learner, policy, plan, start_time=START_TIME, rng=np.random.default_rng([seed, index]), workload=workload, notes=notes)
        counts = daily_answer_counts(log, first_day=START_TIME, days=plan.days)[SETTLING_DAYS:]
        spreads.append(day_to_day_spread(counts))
        peaks.append(counts.max() / counts.mean())
        cards, outcome = np.asarray(log.card), np.asarray(log.outcome)
        days = np.floor(np.asarray(log.time) / SECONDS_PER_DAY).astype(np.int64)
        first_day = {}
        for card, day in zip(cards, days):
            first_day.setdefault(int(card), int(day))
        seen_before = np.array([day > first_day[int(card)] for card, day in zip(cards, days)])
        reviews_recalled += int(outcome[seen_before].sum())
        reviews += int(seen_before.sum())
        known.append(learner.recall_probabilities(test_time).sum())
        day_cards = {(int(day), int(card)) for day, card, review in zip(days, cards, seen_before) if review}
        day_notes = {(day, int(notes[card])) for day, card in day_cards}
        same_day.append(len(day_cards) - len(day_notes))  # a second card of a note reviewed that day
    return {
        "day_to_day_spread": round(float(np.mean(spreads)), 2),
        "busiest_over_mean_day": round(float(np.mean(peaks)), 3),
        "retention": round(reviews_recalled / max(reviews, 1), 4),
        "known_at_test": round(float(np.mean(known)), 2),
        "sibling_answers_same_day": round(float(np.mean(same_day)), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=3)
    parser.add_argument("--days", type=int, default=50)
    parser.add_argument("--new-per-day", type=int, default=15)
    parser.add_argument("--seeds", default="1,2,3")
    args = parser.parse_args()
    started = time.perf_counter()
    embeddings = deck_embeddings([card.text for card in read_deck(Path(DEMO_DECK))], random_seed=None)
    neighbours = CardNeighbours.from_embeddings(embeddings)
    notes = np.arange(len(embeddings)) // 2
    plan = StudyPlan(days=args.days, daily_budget_seconds=4 * 3600.0, new_per_day=args.new_per_day)
    results = []
    for seed in [int(seed) for seed in args.seeds.split(",")]:
        for name, workload in VARIANTS.items():
            figures = run_variant(workload, neighbours, notes, plan, learners=args.learners, seed=seed)
            results.append({"seed": seed, "variant": name} | figures)
            print(f"seed {seed} {name:<28} " + " ".join(f"{key} {value}" for key, value in figures.items()))
    summary = {}
    for name in VARIANTS:
        rows = [row for row in results if row["variant"] == name]
        summary[name] = {key: round(float(np.mean([row[key] for row in rows])), 4) for key in rows[0] if key not in ("seed", "variant")}
    off = summary["off"]
    for name, figures in summary.items():
        print(f"mean {name:<28} day-to-day spread {figures['day_to_day_spread']:.2f} ({figures['day_to_day_spread'] - off['day_to_day_spread']:+.2f}), "
              f"retention {figures['retention']:.4f} ({100 * (figures['retention'] - off['retention']):+.2f} points), "
              f"known {figures['known_at_test']:.1f}, siblings same day {figures['sibling_answers_same_day']}")
    print(json.dumps({
        "learners": args.learners, "days": args.days, "new_per_day": args.new_per_day, "seeds": args.seeds,
        "wall_seconds": round(time.perf_counter() - started, 1), "mean": summary, "runs": results,
    }))


if __name__ == "__main__":
    main()
