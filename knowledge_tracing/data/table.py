"""The one study-log table every model, metric and loader works on.

A column-oriented set of numpy arrays, one row per answer, sorted by learner then
time. Learners and items are dense integer ids (0..n-1) so that models can index
embedding tables directly; the original keys are kept alongside for export.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np


@dataclass(frozen=True)
class StudyLogTable:
    """One row per answer: who answered which item when, and how.

    Attributes:
        learner: dense learner id per row (int64).
        item: dense item (card or skill) id per row (int64).
        time: seconds since the epoch, or the step index when the source has no
            timestamps (see ``has_timestamps``) (float64).
        outcome: 1 if recalled / correct, 0 otherwise (int8).
        grade: 1 Again, 2 Hard, 3 Good, 4 Easy; 0 when the source has no grades (int8).
        duration_ms: response time in milliseconds, NaN when unknown (float64).
        concept: concept (skill, tag) id per row; equals ``item`` when the source
            has no separate concepts (int64).
        learner_keys: original learner key for each dense learner id.
        item_keys: original item key for each dense item id.
        item_text: text of each dense item id, or None when the source has no text.
        item_embeddings: (n_items, d) float32 matrix of text embeddings, or None.
        item_concepts: the concept id of each dense item id (int64), or None. Rows carry
            their own concept; this also gives one to items without rows, such as the
            candidates a scheduler asks about before the learner has answered them.
        has_timestamps: False when ``time`` is a step index (ASSISTments).
    """

    learner: np.ndarray
    item: np.ndarray
    time: np.ndarray
    outcome: np.ndarray
    grade: np.ndarray
    duration_ms: np.ndarray
    concept: np.ndarray
    learner_keys: tuple = ()
    item_keys: tuple = ()
    item_text: tuple | None = None
    item_embeddings: np.ndarray | None = field(default=None, repr=False)
    item_concepts: np.ndarray | None = field(default=None, repr=False)
    has_timestamps: bool = True

    def __post_init__(self) -> None:
        n = len(self.learner)
        for name in ("item", "time", "outcome", "grade", "duration_ms", "concept"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"column {name!r} has {len(getattr(self, name))} rows, expected {n}")

    @classmethod
    def from_columns(
        cls,
        *,
        learner,
        item,
        time,
        outcome,
        grade=None,
        duration_ms=None,
        concept=None,
        learner_keys=(),
        item_keys=(),
        item_text=None,
        item_embeddings=None,
        item_concepts=None,
        has_timestamps: bool = True,
    ) -> "StudyLogTable":
        """Build a table from array-likes, filling the optional columns and sorting rows."""
        learner = np.asarray(learner, dtype=np.int64)
        n = len(learner)
        item = np.asarray(item, dtype=np.int64)
        table = cls(
            learner=learner,
            item=item,
            time=np.asarray(time, dtype=np.float64),
            outcome=np.asarray(outcome, dtype=np.int8),
            grade=np.zeros(n, np.int8) if grade is None else np.asarray(grade, dtype=np.int8),
            duration_ms=np.full(n, np.nan) if duration_ms is None else np.asarray(duration_ms, dtype=np.float64),
            concept=item.copy() if concept is None else np.asarray(concept, dtype=np.int64),
            learner_keys=tuple(learner_keys) or tuple(range(int(learner.max()) + 1 if n else 0)),
            item_keys=tuple(item_keys) or tuple(range(int(item.max()) + 1 if n else 0)),
            item_text=None if item_text is None else tuple(item_text),
            item_embeddings=None if item_embeddings is None else np.asarray(item_embeddings, dtype=np.float32),
            item_concepts=None if item_concepts is None else np.asarray(item_concepts, dtype=np.int64),
            has_timestamps=has_timestamps,
        )
        return table.sorted()

    def __len__(self) -> int:
        return len(self.learner)

    @property
    def n_learners(self) -> int:
        return len(self.learner_keys)

    @property
    def n_items(self) -> int:
        return len(self.item_keys)

    def sorted(self) -> "StudyLogTable":
        """Rows ordered by learner, then time; ties keep their original order."""
        order = np.lexsort((np.arange(len(self)), self.time, self.learner))
        return self.take(order)

    def take(self, rows) -> "StudyLogTable":
        """A table of the given rows (indices or boolean mask), sharing the key tables."""
        return replace(
            self,
            learner=self.learner[rows],
            item=self.item[rows],
            time=self.time[rows],
            outcome=self.outcome[rows],
            grade=self.grade[rows],
            duration_ms=self.duration_ms[rows],
            concept=self.concept[rows],
        )

    def with_embeddings(self, item_embeddings: np.ndarray) -> "StudyLogTable":
        """The same rows with a text embedding for every item."""
        if len(item_embeddings) != self.n_items:
            raise ValueError(f"{len(item_embeddings)} embeddings for {self.n_items} items")
        return replace(self, item_embeddings=np.asarray(item_embeddings, dtype=np.float32))

    def learner_boundaries(self) -> np.ndarray:
        """Start offsets of each learner's run of rows, plus the end (len + 1 entries)."""
        if len(self) == 0:
            return np.zeros(1, dtype=np.int64)
        starts = np.flatnonzero(np.r_[True, self.learner[1:] != self.learner[:-1]])
        return np.r_[starts, len(self)].astype(np.int64)

    def learner_positions(self) -> np.ndarray:
        """For every row, how many rows of its learner come before it."""
        bounds = self.learner_boundaries()
        return np.arange(len(self)) - np.repeat(bounds[:-1], np.diff(bounds))
