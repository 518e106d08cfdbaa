"""Turn consented study logs into export rows, in chunks, without loading the export whole.

Each export column (``knowledge_tracing.data.columns``) is read from one or more
database fields and converted by one function; the query asks only for the fields
of the columns being exported and streams them with ``.iterator()``.
"""

from datetime import timezone
from itertools import islice
from typing import Callable, Iterator

from django.db.models import QuerySet

from knowledge_tracing.data.columns import CONCEPT_SEPARATOR

DATABASE_CHUNK_ROWS = 5000


def _utc(moment):
    return moment.astimezone(timezone.utc)


def _card_text(front: str, back: str) -> str:
    return f"{front}\n\n{back}"


def _concepts(tags) -> str:
    return CONCEPT_SEPARATOR.join(str(tag) for tag in tags or ())


def _column_sources(pseudonym: Callable[[int], str]) -> dict[str, tuple[tuple[str, ...], Callable]]:
    """Column name -> (the database fields it is made of, how they become the value)."""
    same = lambda value: value  # noqa: E731 (the identity conversion, named for the table below)
    return {
        "learner": (("learner_id",), pseudonym),
        "card": (("card__uuid",), str),
        "deck": (("deck__uuid",), str),
        "shown_at": (("shown_at",), _utc),
        "answered_at": (("answered_at",), _utc),
        "outcome": (("outcome",), int),
        "grade": (("grade",), same),
        "response_ms": (("response_ms",), same),
        "policy": (("policy",), same),
        "concepts": (("card__tags",), _concepts),
        "model_version": (("model_version",), same),
        "predicted_recall": (("predicted_recall",), same),
        "selection_probability": (("selection_probability",), same),
        "card_text": (("card__front", "card__back"), _card_text),
    }


def export_row_chunks(
    logs: QuerySet, columns: tuple[str, ...], *, pseudonym: Callable[[int], str], chunk_rows: int
) -> Iterator[list[tuple]]:
    """Lists of at most ``chunk_rows`` rows (tuples in ``columns`` order) over the logs, streamed from the database."""
    sources = _column_sources(pseudonym)
    fields, converters, positions = [], [], []
    for column in columns:
        column_fields, convert = sources[column]
        positions.append(slice(len(fields), len(fields) + len(column_fields)))
        fields.extend(column_fields)
        converters.append(convert)
    plan = list(zip(positions, converters))
    records = logs.values_list(*fields).iterator(chunk_size=DATABASE_CHUNK_ROWS)
    while chunk := list(islice(records, chunk_rows)):
        yield [tuple(convert(*record[where]) for where, convert in plan) for record in chunk]
