"""Which policy teaches most per minute of study, on several decks and seeds, at the same workload.

For each deck and seed, ``run_policy_comparison`` (``knowledge_tracing/simulation``):
warm-up learners study under ``random``, the student model (``--model``: the
logistic regression by default, about 7 minutes for the whole run on this shared
machine; ``--model karl``, the served kind, had not finished the demo deck's first seed
after 12 minutes at a load average of 9) is trained on their logs, then every policy teaches the same learners for
``--days`` days. Workload is fixed per day, not per review: every policy gets the same
daily minutes (answer time plus 4 s per card, the simulator's clock), because time is
what a learner spends (a failed card takes longer to answer than a recalled one, so
equal review counts would not be equal effort). Candidates are what the app offers
(new cards and due reviews; ``--review-early`` offers every studied card, as the
simulator did before). Policies that never review early
(``fsrs``, ``model_due``) stop when nothing is due and today's new cards are used
up, so with a daily new-card limit they study fewer minutes than ``delta`` or
``random`` and a figure per minute would compare unequal workloads. By default the
new-card limit is therefore lifted (``--new-per-day 0``): a policy with nothing due
brings in new cards, and every policy studies the whole budget while the deck has
unseen cards (the demo deck's 389 cards last the run; minutes studied are printed,
so where they still differ it shows).

Per policy: cards known at the test one day after the last study day, cards known
30 days later (nothing studied in between), minutes studied, cards learned per
minute (known at the test minus known before studying, over minutes), cards kept
30 days later per minute, reviews per card learned, and the daily answer-count
spread (standard deviation over days). Then, for every other policy, on how many
decks and seeds it taught at least as much per minute as ``fsrs``, at both tests. The learner count
is small (``--learners 3`` by default) to keep the run bounded; the figures are
means over those learners, so differences of a card or two are noise.

    nice -n 10 .venv/bin/python bench/policy_simulation.py [--seeds 1,2,3] [--learners 3] [--days 10] [--model logreg]
        [--new-per-day 0] [--decks apps/cards/demo_deck/cards.csv,bench/decks/spanish_vocabulary.csv]
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
from knowledge_tracing.cli.simulate import deck_embeddings, read_deck  # noqa: E402
from knowledge_tracing.simulation.experiment import ComparisonSettings, run_policy_comparison  # noqa: E402
from knowledge_tracing.simulation.study import StudyPlan  # noqa: E402

DECKS = "apps/cards/demo_deck/cards.csv,bench/decks/spanish_vocabulary.csv"
POLICIES = ("fsrs", "model_due", "delta", "recall_target", "random")
FIGURES = (
    "known_at_test", "known_later", "minutes_studied", "cards_learned_per_minute", "kept_later_per_minute",
    "reviews_per_card_learned", "daily_answers_sd",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decks", default=DECKS)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--learners", type=int, default=3)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--new-per-day", type=int, default=0, help="daily new-card limit; 0: none (see the docstring)")
    parser.add_argument("--daily-minutes", type=float, default=10.0)
    parser.add_argument("--model", default="logreg")
    parser.add_argument("--policies", default=",".join(POLICIES))
    parser.add_argument("--review-early", action="store_true", help="offer every studied card, not only due ones (the simulator before issue 28)")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    started = time.perf_counter()
    seeds = [int(seed) for seed in args.seeds.split(",")]
    policies = tuple(name.strip() for name in args.policies.split(","))
    runs = []
    for deck in args.decks.split(","):
        embeddings = deck_embeddings([card.text for card in read_deck(Path(deck))], random_seed=None)
        for seed in seeds:
            settings = ComparisonSettings(
                policies=policies, learners=args.learners, model=args.model, seed=seed,
                plan=StudyPlan(
                    days=args.days, daily_budget_seconds=args.daily_minutes * 60.0, new_per_day=args.new_per_day or None,
                    review_early=args.review_early,
                ),
            )
            report = run_policy_comparison(embeddings, settings)
            print(f"\n{deck_label(deck)}, {len(embeddings)} cards, seed {seed}")
            print(f"{'policy':<14}" + "".join(f"{name[:16]:>18}" for name in FIGURES))
            for result in report["results"]:
                print(f"{result['policy']:<14}" + "".join(f"{result[name] if result[name] is not None else float('nan'):>18}" for name in FIGURES))
                runs.append({"deck": deck_label(deck), "seed": seed} | {name: result[name] for name in ("policy",) + FIGURES})
    verdicts = {policy: against_fsrs(runs, policy) for policy in policies if policy != "fsrs"}
    print("\nagainst fsrs on every deck and seed (cards learned per minute; kept 30 days later per minute):")
    for policy, verdict in verdicts.items():
        print(f"  {policy:<14} learned: {verdict['learned_wins']} of {verdict['runs']}, kept: {verdict['kept_wins']} of {verdict['runs']}")
    print(json.dumps({
        "model": args.model, "learners": args.learners, "days": args.days, "daily_minutes": args.daily_minutes,
        "new_per_day": args.new_per_day or None, "review_early": args.review_early,
        "seeds": seeds, "wall_seconds": round(time.perf_counter() - started, 1),
        "at_least_fsrs_per_minute": verdicts,
        "runs": runs,
    }))


def deck_label(deck: str) -> str:
    """The deck file's name, or its folder's for the demo deck's ``cards.csv``."""
    path = Path(deck)
    return path.parent.name if path.stem == "cards" else path.stem


def against_fsrs(runs: list[dict], policy: str) -> dict:
    """On how many (deck, seed) runs ``policy`` learned, and kept, at least as much per minute as ``fsrs``."""
    by_key = {(run["deck"], run["seed"], run["policy"]): run for run in runs}
    pairs = [(by_key[deck, seed, policy], run) for (deck, seed, name), run in by_key.items() if name == "fsrs" and (deck, seed, policy) in by_key]
    return {
        "runs": len(pairs),
        "learned_wins": sum(mine["cards_learned_per_minute"] >= fsrs["cards_learned_per_minute"] for mine, fsrs in pairs),
        "kept_wins": sum(mine["kept_later_per_minute"] >= fsrs["kept_later_per_minute"] for mine, fsrs in pairs),
    }


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
