"""Study logs read as NumPy columns, a chunk at a time, without Django model instances.

A training run over a million logs cannot afford a model instance (or even a list of
row tuples) per log: ``log_columns_read`` streams ``values_list`` rows with
``iterator(chunk_size=...)`` (a server-side cursor on PostgreSQL, fetchmany on SQLite)
and turns each chunk into typed arrays at once, so what stays in memory is the columns
(about 42 bytes a log) plus one chunk of tuples.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from knowledge_tracing.data.columns import STUDY_ROW_COLUMNS

READ_CHUNK = 20_000
# The log id, then a study row's columns in their order (``StudyRow``), the two keys as ids.
LOG_FIELDS = ("id", *(f"{name}_id" if name in ("learner", "card") else name for name in STUDY_ROW_COLUMNS))
DTYPES = {
    "id": np.int64, "learner_id": np.int64, "card_id": np.int64, "answered_at": np.float64,
    "outcome": np.int8, "grade": np.int8, "response_ms": np.float64,
}


@dataclass(frozen=True)
class LogColumns:
    """Study logs as columns in the order read (``answered_at`` in seconds since the epoch)."""

    id: np.ndarray
    learner_id: np.ndarray
    card_id: np.ndarray
    answered_at: np.ndarray
    outcome: np.ndarray
    grade: np.ndarray
    response_ms: np.ndarray

    def __len__(self) -> int:
        return len(self.id)

    @classmethod
    def empty(cls) -> "LogColumns":
        return cls(**{name: np.zeros(0, DTYPES[name]) for name in LOG_FIELDS})

    @classmethod
    def from_rows(cls, rows) -> "LogColumns":
        """Columns of ``LOG_FIELDS`` tuples (``answered_at`` an aware datetime)."""
        rows = list(rows)
        if not rows:
            return cls.empty()
        columns = list(zip(*rows))
        columns[3] = [moment.timestamp() for moment in columns[3]]
        return cls(**{name: np.asarray(column, dtype=DTYPES[name]) for name, column in zip(LOG_FIELDS, columns)})

    @classmethod
    def concatenate(cls, parts: list["LogColumns"]) -> "LogColumns":
        if not parts:
            return cls.empty()
        return cls(**{name: np.concatenate([getattr(part, name) for part in parts]) for name in LOG_FIELDS})

    def as_arrays(self) -> dict[str, np.ndarray]:
        return {field.name: getattr(self, field.name) for field in fields(self)}

    def take(self, rows) -> "LogColumns":
        return LogColumns(**{name: array[rows] for name, array in self.as_arrays().items()})

    @property
    def nbytes(self) -> int:
        return sum(array.nbytes for array in self.as_arrays().values())


def log_columns_read(queryset, *, chunk_size: int = READ_CHUNK) -> LogColumns:
    """The logs of ``queryset`` in id order, streamed ``chunk_size`` rows at a time into columns."""
    rows = queryset.order_by("id").values_list(*LOG_FIELDS).iterator(chunk_size=chunk_size)
    parts, chunk = [], []
    for row in rows:
        chunk.append(row)
        if len(chunk) == chunk_size:
            parts.append(LogColumns.from_rows(chunk))
            chunk = []
    parts.append(LogColumns.from_rows(chunk))
    return LogColumns.concatenate(parts)
