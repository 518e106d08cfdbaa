"""``python -m knowledge_tracing simulate-log``: a content-rich study log anyone can make from a deck.

``--learners`` simulated learners (``knowledge_tracing.simulation``: FSRS-6 memory,
transfer between cards whose text embeddings are similar) study the cards of a deck
CSV (``front,back,tags``) for ``--days`` days under a model-free policy (``random`` by
default, or ``fsrs``), and every answer is written in Mnemo's study-log format
(``learner,card,answered_at,outcome,grade,response_ms,card_text,concepts``), so that

    python -m knowledge_tracing evaluate --format studylog --data LOG.csv \\
        --protocol time-series --folds 5 --embed --models karl,logreg,fsrs6,hlr

compares models on it. ``--transfer`` is the simulator's transfer strength (0 turns
transfer off: then card text says nothing about recall). Cards are embedded with the
packaged sentence encoder, the one ``evaluate --embed`` uses. The same seed writes the
same file.
"""

from __future__ import annotations

import argparse
import csv
from datetime import datetime, timezone
from pathlib import Path

from knowledge_tracing.cli.simulate import DEMO_DECK, DeckCard, deck_embeddings, read_deck
from knowledge_tracing.simulation.experiment import population_study_logs
from knowledge_tracing.simulation.population import DEFAULT_TRANSFER_STRENGTH
from knowledge_tracing.simulation.study import StudyLog, StudyPlan
from knowledge_tracing.simulation.transfer import CardNeighbours

MODEL_FREE_POLICIES = ("random", "fsrs")
STUDYLOG_HEADER = ("learner", "card", "answered_at", "outcome", "grade", "response_ms", "card_text", "concepts")
MAX_LEARNERS = 10_000
MAX_DAYS = 3_650


def add_arguments(parser: argparse.ArgumentParser) -> None:
    plan = StudyPlan()
    parser.add_argument("--deck", type=Path, default=DEMO_DECK, help="deck CSV with front, back and tags columns")
    parser.add_argument("--learners", type=int, required=True, help="simulated learners")
    parser.add_argument("--days", type=int, required=True, help="study days")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, required=True, help="study-log CSV to write")
    parser.add_argument(
        "--transfer", type=float, default=DEFAULT_TRANSFER_STRENGTH, help="transfer strength between similar cards (0 = off)"
    )
    parser.add_argument("--policy", choices=MODEL_FREE_POLICIES, default="random", help="which card each learner studies next")
    parser.add_argument("--daily-minutes", type=float, default=plan.daily_budget_seconds / 60.0)
    parser.add_argument("--new-per-day", type=int, default=plan.new_per_day)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads for the encoder")


def run(args: argparse.Namespace) -> int:
    import torch

    torch.set_num_threads(args.threads)
    problems = []
    if not 1 <= args.learners <= MAX_LEARNERS:
        problems.append(f"--learners must be 1..{MAX_LEARNERS}")
    if not 1 <= args.days <= MAX_DAYS:
        problems.append(f"--days must be 1..{MAX_DAYS}")
    if not 0.0 <= args.transfer <= 1.0:
        problems.append("--transfer must be between 0 and 1")
    if problems:
        raise SystemExit("simulate-log: " + "; ".join(problems))
    cards = read_deck(args.deck)
    neighbours = CardNeighbours.from_embeddings(deck_embeddings([card.text for card in cards], random_seed=None))
    plan = StudyPlan(days=args.days, daily_budget_seconds=args.daily_minutes * 60.0, new_per_day=args.new_per_day)
    logs = population_study_logs(
        neighbours, args.learners, plan, policy_name=args.policy, seed=args.seed, transfer_strength=args.transfer
    )
    rows = write_study_log(args.output, logs, cards)
    print(f"wrote {rows} answers of {args.learners} learners over {len(cards)} cards to {args.output}")
    return 0


def write_study_log(path: Path, logs: list[StudyLog], cards: list[DeckCard]) -> int:
    """Every answer of every learner, learner by learner in time order; the number of rows."""
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(STUDYLOG_HEADER)
        for learner, log in enumerate(logs):
            for card, at_time, outcome, grade, response_ms in zip(log.card, log.time, log.outcome, log.grade, log.response_ms):
                answered_at = datetime.fromtimestamp(at_time, tz=timezone.utc).isoformat()
                deck_card = cards[card]
                writer.writerow(
                    [f"learner-{learner}", card, answered_at, outcome, grade, round(response_ms), deck_card.text, deck_card.tags]
                )
                rows += 1
    return rows
