"""``python -m knowledge_tracing simulate``: compare scheduling policies on simulated learners.

Embeds the deck's cards with the sentence encoder (or, with ``--no-text``, gives them
random embeddings, for fast runs), then runs ``run_policy_comparison`` and prints one
line per policy; ``--json`` writes ``{"results": [{"policy": ..., "known_at_test": ...,
"reviews_per_card_learned": ..., "predicted_vs_simulated_recall": {...}, ...}]}``.
The same seed gives the same figures.
"""

from __future__ import annotations

import argparse
import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from knowledge_tracing.simulation.experiment import ComparisonSettings, run_policy_comparison
from knowledge_tracing.simulation.study import StudyPlan

DEMO_DECK = Path(__file__).resolve().parents[2] / "apps" / "cards" / "demo_deck" / "cards.csv"
RANDOM_EMBEDDING_DIMENSION = 32


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = ComparisonSettings()
    plan = StudyPlan()
    parser.add_argument("--policies", default=",".join(defaults.policies), help="comma-separated policy names")
    parser.add_argument("--learners", type=int, default=defaults.learners, help="simulated learners per policy")
    parser.add_argument("--days", type=int, default=plan.days, help="study days")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--deck", type=Path, default=DEMO_DECK, help="deck CSV with front and back columns")
    parser.add_argument("--no-text", action="store_true", help="random card embeddings instead of the sentence encoder")
    parser.add_argument("--model", default=defaults.model, help="student model (registry name) driving the policies")
    parser.add_argument("--warmup-learners", type=int, default=defaults.warmup_learners)
    parser.add_argument("--warmup-days", type=int, default=defaults.warmup_days)
    parser.add_argument("--daily-minutes", type=float, default=plan.daily_budget_seconds / 60.0)
    parser.add_argument("--new-per-day", type=int, default=plan.new_per_day)
    parser.add_argument("--json", type=Path, help="write the results here")


def run(args: argparse.Namespace) -> int:
    import torch

    torch.set_num_threads(1)
    texts = [card.text for card in read_deck(args.deck)]
    embeddings = deck_embeddings(texts, random_seed=args.seed if args.no_text else None)
    settings = ComparisonSettings(
        policies=tuple(name.strip() for name in args.policies.split(",") if name.strip()),
        learners=args.learners,
        warmup_learners=args.warmup_learners,
        warmup_days=args.warmup_days,
        model=args.model,
        seed=args.seed,
        plan=StudyPlan(days=args.days, daily_budget_seconds=args.daily_minutes * 60.0, new_per_day=args.new_per_day),
    )
    report = {"deck": str(args.deck), "text_embeddings": not args.no_text} | run_policy_comparison(embeddings, settings)
    print(f"{'policy':<14} {'known':>8} {'learned':>8} {'reviews':>8} {'rev/learned':>11} {'pred':>6} {'sim':>6}")
    for result in report["results"]:
        calibration = result["predicted_vs_simulated_recall"]
        print(
            f"{result['policy']:<14} {result['known_at_test']:>8.1f} {result['cards_learned']:>8.1f} "
            f"{result['reviews']:>8.1f} {result['reviews_per_card_learned'] or float('nan'):>11.2f} "
            f"{calibration['mean_predicted']:>6.3f} {calibration['mean_simulated']:>6.3f}"
        )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


@dataclass(frozen=True)
class DeckCard:
    """One card of a deck CSV: its text ("front back") and its tags ('|'-separated, possibly empty)."""

    text: str
    tags: str


def read_deck(path: Path) -> list[DeckCard]:
    """The deck's cards in file order; a clear error naming the line for a malformed row."""
    if not path.exists():
        raise SystemExit(f"deck file not found: {path}")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"front", "back"} - set(reader.fieldnames or ())
        if missing:
            raise SystemExit(f"{path}, line 1: missing column(s) {', '.join(sorted(missing))}")
        cards = []
        for record in reader:
            if not (record.get("front") or "").strip():
                raise SystemExit(f"{path}, line {reader.line_num}: empty front")
            text = f"{record['front'].strip()} {(record.get('back') or '').strip()}"
            cards.append(DeckCard(text=text, tags=(record.get("tags") or "").strip()))
    if len(cards) < 2:
        raise SystemExit(f"{path}: a deck needs at least two cards to simulate, found {len(cards)}")
    return cards


def deck_embeddings(texts: list[str], *, random_seed: int | None) -> np.ndarray:
    """Sentence embeddings of the texts, or seeded random vectors when ``random_seed`` is given."""
    if random_seed is not None:
        return np.random.default_rng(random_seed).normal(size=(len(texts), RANDOM_EMBEDDING_DIMENSION))
    from knowledge_tracing.embeddings import SentenceEncoder

    return SentenceEncoder().encode(texts)
