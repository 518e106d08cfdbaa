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
spread (standard deviation over days).

Per minute alone flatters a policy that studies less, so every policy is also judged
at the same workload (``simulation.workload_match``): FSRS due order runs on the same
learners at every target retention of ``--fsrs-retentions`` and every share of the
daily budget of ``--fsrs-budget-shares`` (without a model: ``fsrs`` uses none), which
traces FSRS's frontier of cards known against minutes studied; a policy
passes on a deck and seed when it knew at least as many cards as that curve at the
minutes it studied, at the test and 30 days later. Printed per policy: the margin in
cards and whether the minutes fell outside FSRS's runs. Then, for every other policy,
on how many decks and seeds it passed, and (the older, looser figure) on how many it
taught at least as much per minute as ``fsrs``. The learner count is small
(``--learners 3`` by default) to keep the run bounded; the figures are means over
those learners, so differences of a card or two are noise.

    nice -n 10 .venv/bin/python bench/policy_simulation.py [--seeds 1,2,3] [--learners 3] [--days 10] [--model logreg]
        [--new-per-day 0] [--decks apps/cards/demo_deck/cards.csv,bench/decks/spanish_vocabulary.csv]
        [--fsrs-retentions 0.7,0.8,0.85,0.9,0.97] [--fsrs-budget-shares 0.5,0.7,0.85,1.0]
        [--warmup-learners 8] [--model-option max_epochs=5]
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
    parser.add_argument("--fsrs-retentions", default="0.7,0.8,0.85,0.9,0.97", help="FSRS's target retentions for its workload curve")
    parser.add_argument("--fsrs-budget-shares", default="0.5,0.7,0.85,1.0", help="shares of the daily budget for FSRS's workload curve")
    parser.add_argument("--warmup-learners", type=int, default=8, help="learners whose logs train the model (a quarter validate)")
    parser.add_argument(
        "--model-option", action="append", default=[], metavar="NAME=VALUE",
        help="a hyperparameter of the model, e.g. max_epochs=5 (repeatable; a number)",
    )
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    started = time.perf_counter()
    seeds = [int(seed) for seed in args.seeds.split(",")]
    policies = tuple(name.strip() for name in args.policies.split(","))
    model_options = dict(parse_model_option(option) for option in args.model_option)
    runs, curves = [], []
    for deck in args.decks.split(","):
        embeddings = deck_embeddings([card.text for card in read_deck(Path(deck))], random_seed=None)
        for seed in seeds:
            settings = ComparisonSettings(
                policies=policies, learners=args.learners, warmup_learners=args.warmup_learners, model=args.model,
                model_options=model_options, seed=seed,
                fsrs_curve_retentions=floats(args.fsrs_retentions), fsrs_curve_budget_shares=floats(args.fsrs_budget_shares),
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
                runs.append(
                    {"deck": deck_label(deck), "seed": seed} | {name: result[name] for name in ("policy",) + FIGURES}
                    | {"workload_matched": result["workload_matched"]}
                )
            print_workload_matched(report)
            curves.append({"deck": deck_label(deck), "seed": seed} | report["fsrs_curve"])
    verdicts = {policy: against_fsrs(runs, policy) for policy in policies if policy != "fsrs"}
    print("\nagainst fsrs on every deck and seed: at the same workload (at or above FSRS's curve at the test, 30 days later, both);")
    print("per minute (cards learned per minute; kept 30 days later per minute):")
    for policy, verdict in verdicts.items():
        matched = verdict["same_workload"]
        print(
            f"  {policy:<14} same workload: test {matched['test']}, later {matched['later']}, both {matched['both']} of {verdict['runs']}"
            f" | per minute: learned {verdict['learned_wins']}, kept {verdict['kept_wins']} of {verdict['runs_beside_fsrs']}"
        )
    print(json.dumps({
        "model": args.model, "model_options": model_options, "learners": args.learners, "warmup_learners": args.warmup_learners,
        "days": args.days, "daily_minutes": args.daily_minutes,
        "new_per_day": args.new_per_day or None, "review_early": args.review_early,
        "seeds": seeds, "wall_seconds": round(time.perf_counter() - started, 1),
        "against_fsrs": verdicts,
        "runs": runs,
        "fsrs_curves": curves,
    }))


def floats(text: str) -> tuple[float, ...]:
    """``"0.7,0.8"`` as ``(0.7, 0.8)``."""
    return tuple(float(value) for value in text.split(","))


def parse_model_option(option: str) -> tuple[str, float | int]:
    """``"max_epochs=5"`` as ``("max_epochs", 5)``: a hyperparameter for ``create_model`` (the model checks the name)."""
    name, separator, value = option.partition("=")
    if not separator:
        raise SystemExit(f"--model-option wants NAME=VALUE, got {option!r}")
    try:
        number = float(value)
    except ValueError:
        raise SystemExit(f"--model-option {name}: {value!r} is not a number") from None
    return name.strip(), int(number) if number.is_integer() and "." not in value else number


def print_workload_matched(report: dict) -> None:
    """Each policy against FSRS's curve at the minutes it studied: FSRS's cards known there, the margin, pass or not."""
    print("at the same workload (FSRS's frontier of cards known against minutes; * outside FSRS's runs, see workload_match):")
    print(f"{'policy':<14}{'minutes':>9}{'test: fsrs':>12}{'margin':>9}{'later: fsrs':>13}{'margin':>9}  passes")
    for result in report["results"]:
        test, later = result["workload_matched"]["test"], result["workload_matched"]["later"]
        flag = "*" if test["beyond_curve"] or test["below_curve"] else " "
        print(
            f"{result['policy']:<14}{result['minutes_studied']:>8}{flag}{test['fsrs_known_at_same_minutes']:>12}{test['margin']:>+9.2f}"
            f"{later['fsrs_known_at_same_minutes']:>13}{later['margin']:>+9.2f}  {test['at_or_above'] and later['at_or_above']}"
        )


def deck_label(deck: str) -> str:
    """The deck file's name, or its folder's for the demo deck's ``cards.csv``."""
    path = Path(deck)
    return path.parent.name if path.stem == "cards" else path.stem


def against_fsrs(runs: list[dict], policy: str) -> dict:
    """On how many (deck, seed) runs ``policy`` was at or above FSRS's workload curve, and taught at least as much per minute as ``fsrs``."""
    by_key = {(run["deck"], run["seed"], run["policy"]): run for run in runs}
    pairs = [(by_key[deck, seed, policy], run) for (deck, seed, name), run in by_key.items() if name == "fsrs" and (deck, seed, policy) in by_key]
    matched = [run["workload_matched"] for run in runs if run["policy"] == policy]
    return {
        "runs": len(matched),
        "runs_beside_fsrs": len(pairs),
        "same_workload": {
            "test": sum(run["test"]["at_or_above"] for run in matched),
            "later": sum(run["later"]["at_or_above"] for run in matched),
            "both": sum(run["test"]["at_or_above"] and run["later"]["at_or_above"] for run in matched),
            "outside_fsrs_runs": sum(run["test"]["beyond_curve"] or run["test"]["below_curve"] for run in matched),
        },
        "learned_wins": sum(mine["cards_learned_per_minute"] >= fsrs["cards_learned_per_minute"] for mine, fsrs in pairs),
        "kept_wins": sum(mine["kept_later_per_minute"] >= fsrs["kept_later_per_minute"] for mine, fsrs in pairs),
    }


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
