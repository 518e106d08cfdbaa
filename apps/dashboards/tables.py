"""Every table of the dashboards as (header, rows): the pages' table alternatives and the CSV downloads read the same rows.

Tables are looked up by name, so one CSV view serves each page; an unknown name is 404.
"""

from __future__ import annotations

import csv
from datetime import datetime
from dataclasses import dataclass
from typing import Callable

from django.http import Http404, HttpResponse
from django.utils import timezone

from apps.dashboards import selectors


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list]


def _percent(value) -> str:
    return "" if value is None else f"{value:.3f}"


def _moment(value):
    """A moment as the cell holds it (an aware datetime, or "" for none): the page and the CSV each write it their way."""
    return "" if value is None else value


def cohort_learners_table(snapshot) -> Table:
    return Table(
        ["learner", "cards_studied", "mean_mastery", "cards_at_risk", "answers", "minutes_spent", "last_seen"],
        [
            [row.learner.username, row.cards_studied, _percent(row.mean_mastery), row.cards_at_risk, row.answers, f"{row.time_spent_ms / 60000:.1f}", _moment(row.last_seen_at)]
            for row in selectors.learner_rows(snapshot)
        ],
    )


def cohort_mastery_table(snapshot) -> Table:
    concepts, rows = selectors.heatmap(snapshot, selectors.learner_rows(snapshot))
    return Table(
        ["learner", "concept", "mean_mastery", "cards_studied"],
        [[row.learner.username, concept, _percent(cell.mean_mastery), cell.cards_studied] for row, cells in rows for concept, cell in zip(concepts, cells) if cell.cards_studied],
    )


def cohort_concepts_table(snapshot) -> Table:
    return Table(
        ["concept", "mean_mastery", "cards_studied", "learners"],
        [[row["concept"], _percent(row["mean_mastery"]), row["cards_studied"], row["learners"]] for row in selectors.concept_difficulty(snapshot)],
    )


def cohort_items_table(snapshot, *, limit: int | None = None) -> Table:
    return Table(
        ["card", "tags", "mean_mastery", "failure_rate", "answers", "lapses", "learners"],
        [
            [item.card.front, " ".join(item.card.tags), _percent(item.mean_mastery), _percent(item.failure_rate), item.answers, item.lapses, item.learners]
            for item in selectors.hardest_items(snapshot, limit=limit)
        ],
    )


def forecast_table(forecast_days: list[dict]) -> Table:
    return Table(["day", "reviews_due"], [[row["day"].isoformat(), row["reviews"]] for row in forecast_days])


def activity_table(activity: list[dict]) -> Table:
    return Table(
        ["day", "answers", "recalled", "recall_rate", "minutes"],
        [[row["day"].isoformat(), row["answers"], row["recalled"], _percent(row["recall_rate"]), f"{row['minutes']:.1f}"] for row in activity],
    )


def study_days_table(calendar: list[dict]) -> Table:
    return Table(["day", "answers"], [[row["day"].isoformat(), row["answers"]] for row in calendar if row["answers"]])


def cards_at_risk_table(snapshot, card_rows) -> Table:
    return Table(
        ["card", "tags", "mastery", "overdue", "due_at", "lapses", "reviews", "computed_at"],
        [
            [
                row.card.front, " ".join(row.card.tags), _percent(row.mastery), "yes" if row.due_at <= snapshot.computed_at else "no",
                _moment(row.due_at), row.lapses, row.reps, _moment(snapshot.computed_at),
            ]
            for row in card_rows
        ],
    )


def concept_mastery_table(rows: list[dict]) -> Table:
    return Table(["concept", "mean_mastery", "cards_studied"], [[row["concept"], _percent(row["mean_mastery"]), row["cards_studied"]] for row in rows])


def distribution_table(rows: list[dict]) -> Table:
    return Table(["mastery", "cards"], [[row["range"], row["cards"]] for row in rows])


def workload_table(rows: list[dict]) -> Table:
    return Table(
        ["target_retention", "mean_daily_reviews", "low_daily_reviews_5th_percentile", "high_daily_reviews_95th_percentile", "mean_recall_after_90_days"],
        [
            [f"{row['target_retention']:.2f}", f"{row['daily_reviews']:.1f}", f"{row['low']:.1f}", f"{row['high']:.1f}", _percent(row["recall_at_end"])]
            for row in rows
        ],
    )


def table_named(tables: dict[str, Callable[[], Table]], name: str) -> Table:
    if name not in tables:
        raise Http404("No such table")
    return tables[name]()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(value) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading apostrophe; moments in ISO 8601."""
    text = timezone.localtime(value).isoformat(timespec="seconds") if isinstance(value, datetime) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_response(table: Table, *, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(table.header)
    writer.writerows([_safe_cell(value) for value in row] for row in table.rows)
    return response
