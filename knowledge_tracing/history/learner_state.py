"""One learner's history reduced to what the features need, kept by the scheduler and updated per answer.

``LearnerState`` holds the state each studied item's latest answer left (a pair state,
``update_rules``) and the learner's summary; ``record`` applies one new answer in O(1),
through the same update rules as a table replay, so a state built from a log and one
kept answer by answer are the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.history.fsrs_memory import DEFAULT_FSRS6_PARAMETERS, known_grades
from knowledge_tracing.history.replay import log_duration, replay_learner_summaries, replay_pair_states, time_in_seconds
from knowledge_tracing.history.update_rules import (
    SUMMARY_WIDTH,
    advance_pair_states,
    advance_summaries,
    fresh_pair_states,
)


@dataclass
class LearnerState:
    """One learner's history, reduced to what the features need; updated one answer at a time.

    Attributes:
        learner: the dense learner id (used to leave the learner out of item statistics).
        items: item ids studied so far, ascending.
        pair_states: (len(items), PAIR_STATE_WIDTH) state after each item's latest answer.
        summary: (SUMMARY_WIDTH,) the learner's counts and last answer over all items.
        fsrs_parameters: the FSRS-6 parameters of the memory-state features.
        item_embeddings: the text embeddings of every item, from the table the state was
            built from (so cards added after training are scored with their own text);
            None when that table had none. Each state carries its own: a fitted model
            shared between threads is never changed to score a request.
    """

    learner: int
    items: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    pair_states: np.ndarray = field(default_factory=lambda: fresh_pair_states(0))
    summary: np.ndarray = field(default_factory=lambda: fresh_pair_states(1)[0, :SUMMARY_WIDTH])
    fsrs_parameters: tuple = DEFAULT_FSRS6_PARAMETERS
    item_embeddings: np.ndarray | None = field(default=None, repr=False)
    _slot_by_item: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)

    def __post_init__(self) -> None:
        self._reindex()

    @classmethod
    def from_table(cls, table: StudyLogTable, learner: int, fsrs_parameters=DEFAULT_FSRS6_PARAMETERS) -> "LearnerState":
        """The state after all of ``learner``'s rows in ``table`` (time in seconds, see module doc)."""
        own = table.take(np.flatnonzero(table.learner == learner))
        if len(own) == 0:
            return cls(learner=learner, fsrs_parameters=fsrs_parameters, item_embeddings=table.item_embeddings)
        _, after = replay_pair_states(own, fsrs_parameters)
        items, first_from_end = np.unique(own.item[::-1], return_index=True)
        last_rows = len(own) - 1 - first_from_end
        summary = advance_summaries(
            replay_learner_summaries(own)[-1:],
            time_in_seconds(own)[-1:],
            own.outcome[-1:],
            log_duration(own.duration_ms[-1:]),
        )[0]
        return cls(
            learner=learner,
            items=items,
            pair_states=after[last_rows],
            summary=summary,
            fsrs_parameters=fsrs_parameters,
            item_embeddings=table.item_embeddings,
        )

    def copy(self) -> "LearnerState":
        """An independent state to record into (the item embeddings, never changed, are shared)."""
        return LearnerState(
            learner=self.learner,
            items=self.items.copy(),
            pair_states=self.pair_states.copy(),
            summary=self.summary.copy(),
            fsrs_parameters=self.fsrs_parameters,
            item_embeddings=self.item_embeddings,
        )

    def record(self, item: int, time_seconds: float, outcome: int, grade: int = 0, duration_ms: float = np.nan) -> None:
        """Apply one real answer (grade 0 means unknown: Good if recalled, else Again)."""
        grade = int(known_grades([outcome], [grade])[0])
        durations = log_duration([duration_ms])
        slot = self.slots_of(np.array([item]))[0]
        if slot < 0:
            slot = int(np.searchsorted(self.items, item))
            self.items = np.insert(self.items, slot, item)
            self.pair_states = np.insert(self.pair_states, slot, fresh_pair_states(1)[0], axis=0)
            self._reindex()
        self.pair_states[slot] = advance_pair_states(
            self.pair_states[slot : slot + 1], [time_seconds], [outcome], [grade], durations, self.fsrs_parameters
        )[0]
        self.summary = advance_summaries(self.summary[None, :], [time_seconds], [outcome], durations)[0]

    def slots_of(self, items: np.ndarray) -> np.ndarray:
        """Row of each item in ``pair_states``, -1 for items never studied."""
        items = np.asarray(items, dtype=np.int64)
        known = (items >= 0) & (items < len(self._slot_by_item))
        slots = np.full(len(items), -1, dtype=np.int64)
        slots[known] = self._slot_by_item[items[known]]
        return slots

    def _reindex(self) -> None:
        size = int(self.items.max(initial=-1)) + 1
        self._slot_by_item = np.full(size, -1, dtype=np.int64)
        self._slot_by_item[self.items] = np.arange(len(self.items))
