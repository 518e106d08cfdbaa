"""The progress page's workload-versus-retention curve: how long it takes, and how smooth it is.

For decks of random card states (log-normal stability, uniform difficulty, 0-14 days
since review), simulates the next 90 days at target retentions 0.75-0.97 as the page
does (``workload_by_retention``, its default replicates for the deck size) and with one
replicate (one simulated future, as before the replicates), on several seeds; prints
the best-of-three time per deck size and how many of the 11 steps between retentions
went down, then one JSON object on the last line.

    .venv/bin/python bench/workload_curve.py [--cards 10,30,100,1000] [--seeds 10]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

import _project_root  # noqa: F401  (the project root on sys.path)
from knowledge_tracing.simulation.workload import replicates_for, workload_by_retention


def card_states(cards: int, seed: int):
    rng = np.random.default_rng(seed)
    return rng.lognormal(1.5, 1.0, cards), rng.uniform(2, 9, cards), rng.integers(0, 15, cards)


def best_seconds(function, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def falling_steps(states, seed: int, replicates: int | None) -> int:
    mean = [point.mean_daily_reviews for point in workload_by_retention(*states, seed=seed, replicates=replicates)]
    return int(np.sum(np.diff(mean) < 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", default="10,30,100,1000", help="deck sizes, comma-separated")
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    rows = []
    for cards in (int(size) for size in args.cards.split(",")):
        states = card_states(cards, seed=0)
        row = {
            "cards": cards,
            "replicates": replicates_for(cards),
            "seconds": round(best_seconds(lambda: workload_by_retention(*states)), 4),
            "seconds_one_replicate": round(best_seconds(lambda: workload_by_retention(*states, replicates=1)), 4),
            "falling_steps": sum(falling_steps(card_states(cards, seed), seed, None) for seed in range(args.seeds)),
            "falling_steps_one_replicate": sum(falling_steps(card_states(cards, seed), seed, 1) for seed in range(args.seeds)),
            "steps": 11 * args.seeds,
        }
        rows.append(row)
        print(
            f"{cards:>5} cards, {row['replicates']:>2} replicates: {row['seconds']:.3f} s (one replicate {row['seconds_one_replicate']:.3f} s); "
            f"steps down {row['falling_steps']} of {row['steps']} (one replicate: {row['falling_steps_one_replicate']})"
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print(json.dumps({"bench": "workload_curve", "results": rows}))


if __name__ == "__main__":
    main()
