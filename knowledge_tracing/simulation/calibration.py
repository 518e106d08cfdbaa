"""Fit the simulated learners' defaults to a real review log, once, offline.

The simulator must not read data files at run time, so the figures this prints are
stored as constants in ``knowledge_tracing.simulation.population``. Re-run with

    python -m knowledge_tracing.simulation.calibration ../shared/data/revlogs/anki_josh_2024.csv

to reproduce them: the FSRS-6 parameters fitted by Anki's own optimizer
(``fsrs-rs-python``; elapsed time in whole days, ``floor(seconds / 86400)``, as in
``knowledge_tracing.history.fsrs_memory``), the share of first reviews already recalled,
the grade shares among later recalls, and the log-normal response times of recalled
and forgotten answers.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS, FSRSItem, FSRSReview

from knowledge_tracing.data.loaders import load_tables
from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.history.fsrs_memory import SECONDS_PER_DAY, grades_of

SHORTEST_RESPONSE_MS = 500.0


def fsrs_training_items(table: StudyLogTable) -> list[FSRSItem]:
    """Every prefix of every card's history that ends in a review a day or more after the previous one."""
    grades = grades_of(table)
    items = []
    pair = table.learner * max(table.n_items, 1) + table.item
    order = np.lexsort((table.time, pair))
    reviews: list[FSRSReview] = []
    previous_row = None
    for row in order:
        if previous_row is None or pair[row] != pair[previous_row]:
            reviews, elapsed = [], 0
        else:
            elapsed = int((table.time[row] - table.time[previous_row]) // SECONDS_PER_DAY)
        reviews.append(FSRSReview(int(grades[row]), elapsed))
        item = FSRSItem(reviews=list(reviews))
        if item.long_term_review_cnt() > 0:
            items.append(item)
        previous_row = row
    return items


def fit_learner_defaults(table: StudyLogTable) -> dict:
    """The constants the simulated population is drawn around (see the module docstring)."""
    parameters = FSRS(DEFAULT_PARAMETERS).compute_parameters(fsrs_training_items(table))
    pair = table.learner * max(table.n_items, 1) + table.item
    _, first_rows = np.unique(pair, return_index=True)
    is_first = np.zeros(len(table), dtype=bool)
    is_first[first_rows] = True
    grades = grades_of(table)
    later_recalls = grades[~is_first & (table.outcome > 0)]
    log_ms = np.log(np.maximum(table.duration_ms, SHORTEST_RESPONSE_MS))
    recalled = table.outcome > 0
    return {
        "fsrs6_parameters": [round(float(value), 4) for value in parameters],
        "first_review_recall": round(float(table.outcome[is_first].mean()), 3),
        "recall_grade_shares": [round(float(np.mean(later_recalls == grade)), 3) for grade in (2, 3, 4)],
        "response_log_ms_recalled": [round(float(log_ms[recalled].mean()), 3), round(float(log_ms[recalled].std()), 3)],
        "response_log_ms_forgotten": [round(float(log_ms[~recalled].mean()), 3), round(float(log_ms[~recalled].std()), 3)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revlog", help="Anki review-log CSV (card_id, review_rating, review_time, review_duration)")
    args = parser.parse_args()
    (table,) = load_tables("revlog", [args.revlog])
    print(json.dumps(fit_learner_defaults(table), indent=2))


if __name__ == "__main__":
    main()
