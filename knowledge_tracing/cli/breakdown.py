"""``python -m knowledge_tracing breakdown``: models' AUC on slices of their scored rows.

Reads the CSV that ``evaluate --predictions`` writes and prints, for each slice of one
row fact (``position`` in the learner's sequence, ``attempt`` at the item, or
``concept_changed``), the number of rows, the share answered correctly and every
model's AUC there. A model that loses overall may win on some slices (early in a
sequence, say) and lose on others; the overall figure cannot tell.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from knowledge_tracing import metrics
from knowledge_tracing.cli.evaluate import ROW_FACTS

DEFAULT_EDGES = "0,1,2,3,5,10,20,50,100,200"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("predictions", type=Path, help="CSV written by evaluate --predictions")
    parser.add_argument("--by", choices=ROW_FACTS, default="position", help="row fact to slice by")
    parser.add_argument(
        "--edges",
        default=DEFAULT_EDGES,
        help=f"comma-separated lower edges of the slices of a count (default {DEFAULT_EDGES}); "
        "concept_changed is always sliced into 0 and 1",
    )


def run(args: argparse.Namespace) -> int:
    try:
        rows = pd.read_csv(args.predictions)
        models = model_columns(rows)
        edges = [0, 1] if args.by == "concept_changed" else parse_edges(args.edges)
    except (ValueError, OSError) as error:
        print(f"breakdown: {args.predictions}: {error}", file=sys.stderr)
        return 2
    slice_of_row = np.searchsorted(edges, rows[args.by].to_numpy(), side="right") - 1
    print(f"| {args.by} | n | correct | " + " | ".join(models) + " |")
    print("|" + "---|" * (3 + len(models)))
    for index in range(len(edges)):
        group = rows[slice_of_row == index]
        if group.empty:
            continue
        cells = [_slice_label(edges, index, args.by), str(len(group)), f"{group['outcome'].mean():.3f}"]
        cells += [f"{metrics.auc(group['outcome'], group[model]):.4f}" for model in models]
        print("| " + " | ".join(cells) + " |")
    return 0


def model_columns(rows: pd.DataFrame) -> list[str]:
    """The columns after the row facts: one per model, as evaluate --predictions writes them."""
    missing = [column for column in ("outcome", *ROW_FACTS) if column not in rows.columns]
    if missing:
        raise ValueError(f"not a file of evaluate --predictions: no column {', '.join(missing)}")
    models = list(rows.columns[rows.columns.get_loc(ROW_FACTS[-1]) + 1 :])
    if not models:
        raise ValueError("the file has no model columns")
    return models


def parse_edges(text: str) -> list[int]:
    """'0,5,10' -> [0, 5, 10]; the edges must be whole numbers, rising, from 0."""
    try:
        edges = [int(part) for part in text.split(",")]
    except ValueError:
        raise ValueError(f"--edges must be comma-separated whole numbers, got {text!r}") from None
    if edges[0] != 0 or any(later <= earlier for earlier, later in zip(edges, edges[1:])):
        raise ValueError(f"--edges must rise from 0, got {text!r}")
    return edges


def _slice_label(edges: list[int], index: int, by: str) -> str:
    if by == "concept_changed":
        return "yes" if edges[index] else "no"
    lower = edges[index]
    if index + 1 == len(edges):
        return f"{lower}+"
    upper = edges[index + 1] - 1
    return str(lower) if upper == lower else f"{lower}-{upper}"
