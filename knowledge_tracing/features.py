"""History features of every answer, computed from strictly earlier answers only.

Shared by KARL and the logistic-regression baseline. For a row (learner, item, time)
the features describe:

- the learner-item pair: has it been seen, log counts of correct, wrong and all
  answers, smoothed accuracy, log1p hours since its last answer, the last outcome,
  the log response time of its last answer, its Leitner box, an SM-2 state (ease,
  log interval, repetitions, log overdue ratio) and its FSRS-6 memory state with
  default parameters (log stability, difficulty, retrievability now and its logit);
- the learner overall: the same counts, accuracy, time since the last answer, last
  outcome and last response time, over all items;
- the item overall: how many other learners answered it and how often correctly, as
  fitted on the training table (``HistoryFeatures.fit``). The learner's own answers
  are always left out, so the feature means the same at training and prediction time
  and a row's own answer never leaks into it.

Time is in seconds; a table without timestamps (ASSISTments) counts each step as one
day, so spacing-based features stay defined. Missing values (no history, unknown
response time) become 0 next to a "seen" indicator, so the matrix has no NaN.

How it is computed. Everything the pair features need is a small *pair state* (one
float row: counts, last time, last outcome, last log duration, Leitner box, SM-2
ease/interval/repetitions, FSRS stability/difficulty), updated by one vectorised
function ``advance_pair_states``. A table is replayed pair-parallel: all pairs' first
answers in one vector step, then all second answers, and so on, so the Python loop
runs once per review rank, never once per row and never quadratically. The learner
summary has the same first five fields and is built with cumulative sums.

Incremental use (the scheduler). ``LearnerState`` holds one learner's pair states
(the state after each studied item's latest answer) and summary; ``record`` applies
one new answer in O(1). ``HistoryFeatures.candidate_features(state, items, at_time)``
gives the features of hypothetical rows without re-scanning history::

    extractor = HistoryFeatures().fit(train_table)
    state = LearnerState.from_table(history_table, learner=7)
    now_rows = extractor.candidate_features(state, card_ids, at_time=now)
    tomorrow_if_correct = extractor.candidate_features(
        state, card_ids, at_time=now + 86_400, simulated_outcome=1, simulated_at=now
    )

A simulated answer is applied to each candidate's own pair state and to the learner
summary (grade Good for a recall, Again for a lapse, unknown response time), exactly
as ``record`` would apply a real one; the result equals the features of the same row
appended to the table. A scheduler asks several questions about the same candidates
(now; tomorrow after a recall, after a lapse, without study): ``question_features``
answers them all in one pass of vector operations over the stacked rows, looking up
the pair states once; ``question_feature_parts`` gives the same features factored
(pair states x questions, learner x questions, items), for a model that applies its
first layer to each part once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.fsrs_memory import (
    DEFAULT_FSRS6_PARAMETERS,
    SECONDS_PER_DAY,
    forgetting_curve,
    grades_of,
    next_memory_state,
)

SECONDS_PER_HOUR = 3_600.0
LEITNER_TOP_BOX = 7
SM2_INITIAL_EASE = 2.5
SM2_MINIMUM_EASE = 1.3
SM2_QUALITY_OF_GRADE = np.array([0, 1, 3, 4, 5])  # index = grade 1..4 (Again..Easy)
RETRIEVABILITY_CLIP = 1e-4

# Columns of a pair state; the first five are also the learner summary.
N_CORRECT, N_WRONG, LAST_TIME, LAST_OUTCOME, LAST_LOG_DURATION = range(5)
LEITNER_BOX, SM2_EASE, SM2_INTERVAL_DAYS, SM2_REPETITIONS, FSRS_STABILITY, FSRS_DIFFICULTY = range(5, 11)
PAIR_STATE_WIDTH = 11
SUMMARY_WIDTH = 5

SUMMARY_FEATURES = (
    "seen",
    "log_reviews",
    "log_correct",
    "log_wrong",
    "accuracy",
    "log_hours_since",
    "last_correct",
    "last_wrong",
    "log_last_duration",
)
MEMORY_FEATURES = (
    "leitner_box",
    "sm2_ease",
    "sm2_log_interval",
    "sm2_repetitions",
    "sm2_log_overdue",
    "fsrs_log_stability",
    "fsrs_difficulty",
    "fsrs_retrievability",
    "fsrs_logit_retrievability",
)
PAIR_FEATURES = tuple(f"pair_{name}" for name in SUMMARY_FEATURES) + MEMORY_FEATURES
LEARNER_FEATURES = tuple(f"learner_{name}" for name in SUMMARY_FEATURES)
ITEM_FEATURES = ("item_log_reviews_by_others", "item_accuracy_by_others")
FEATURE_NAMES = PAIR_FEATURES + LEARNER_FEATURES + ITEM_FEATURES
# How the features that read the clock move as time passes without study (+1 up, -1
# down); every other feature stays put. A model whose recall falls as each of these
# moves its way never predicts a card likelier recalled for having been left alone.
CLOCK_FEATURE_DIRECTIONS = {
    "pair_log_hours_since": 1,
    "sm2_log_overdue": 1,
    "fsrs_retrievability": -1,
    "fsrs_logit_retrievability": -1,
    "learner_log_hours_since": 1,
}


def time_in_seconds(table: StudyLogTable) -> np.ndarray:
    """The table's time axis in seconds; one step counts as one day without timestamps."""
    return table.time if table.has_timestamps else table.time * SECONDS_PER_DAY


def log_duration(duration_ms) -> np.ndarray:
    """log1p of the response time in seconds; NaN stays NaN (unknown)."""
    return np.log1p(np.maximum(np.asarray(duration_ms, dtype=np.float64), 0.0) / 1000.0)


def grade_of_outcome(outcome) -> np.ndarray:
    """The grade a simulated answer gets: Good (3) for a recall, Again (1) for a lapse."""
    return np.where(np.asarray(outcome) > 0, 3, 1)


def fresh_pair_states(count: int) -> np.ndarray:
    """States of pairs never answered: no counts, unknown last answer, SM-2 and FSRS unset."""
    states = np.zeros((count, PAIR_STATE_WIDTH))
    states[:, [LAST_TIME, LAST_OUTCOME, LAST_LOG_DURATION, FSRS_STABILITY, FSRS_DIFFICULTY]] = np.nan
    states[:, SM2_EASE] = SM2_INITIAL_EASE
    return states


def advance_summaries(summaries: np.ndarray, time_seconds, outcome, log_durations) -> np.ndarray:
    """The first five state columns after one answer each (counts, last time/outcome/duration)."""
    updated = summaries.copy()
    correct = np.asarray(outcome) > 0
    updated[:, N_CORRECT] += correct
    updated[:, N_WRONG] += ~correct
    updated[:, LAST_TIME] = time_seconds
    updated[:, LAST_OUTCOME] = correct
    updated[:, LAST_LOG_DURATION] = log_durations
    return updated


def advance_pair_states(
    states: np.ndarray, time_seconds, outcome, grade, log_durations, fsrs_parameters=DEFAULT_FSRS6_PARAMETERS
) -> np.ndarray:
    """Pair states after one answer each (one row per pair, all updated at once)."""
    time_seconds = np.asarray(time_seconds, dtype=np.float64)
    grade = np.asarray(grade, dtype=np.int64)
    correct = np.asarray(outcome) > 0
    elapsed_days = np.nan_to_num(np.maximum(np.floor((time_seconds - states[:, LAST_TIME]) / SECONDS_PER_DAY), 0.0))
    updated = advance_summaries(states, time_seconds, outcome, log_durations)

    updated[:, LEITNER_BOX] = np.where(correct, np.minimum(states[:, LEITNER_BOX] + 1, LEITNER_TOP_BOX), 1)

    quality = SM2_QUALITY_OF_GRADE[grade]
    repetitions = states[:, SM2_REPETITIONS]
    interval = np.select(
        [repetitions == 0, repetitions == 1], [1.0, 6.0], np.round(states[:, SM2_INTERVAL_DAYS] * states[:, SM2_EASE])
    )
    ease = states[:, SM2_EASE] + 0.1 - (5 - quality) * (0.08 + (5 - quality) * 0.02)
    passed = quality >= 3
    updated[:, SM2_INTERVAL_DAYS] = np.where(passed, interval, 1.0)
    updated[:, SM2_REPETITIONS] = np.where(passed, repetitions + 1, 0)
    updated[:, SM2_EASE] = np.maximum(ease, SM2_MINIMUM_EASE)

    updated[:, FSRS_STABILITY], updated[:, FSRS_DIFFICULTY] = next_memory_state(
        states[:, FSRS_STABILITY], states[:, FSRS_DIFFICULTY], elapsed_days, grade, fsrs_parameters
    )
    return updated


def summary_features(summaries: np.ndarray, now_seconds, out: np.ndarray | None = None) -> np.ndarray:
    """The SUMMARY_FEATURES columns of pairs or learners at time ``now`` (no NaN), written into ``out`` if given."""
    out = np.empty((len(summaries), len(SUMMARY_FEATURES))) if out is None else out
    n_correct, n_wrong = summaries[:, N_CORRECT], summaries[:, N_WRONG]
    reviews = n_correct + n_wrong
    seen = reviews > 0
    hours_since = np.maximum(np.asarray(now_seconds) - summaries[:, LAST_TIME], 0.0) / SECONDS_PER_HOUR
    out[:, 0] = seen
    out[:, 1] = np.log1p(reviews)
    out[:, 2] = np.log1p(n_correct)
    out[:, 3] = np.log1p(n_wrong)
    out[:, 4] = (n_correct + 1.0) / (reviews + 2.0)
    out[:, 5] = np.where(seen, np.log1p(np.nan_to_num(hours_since)), 0.0)
    out[:, 6] = summaries[:, LAST_OUTCOME] == 1
    out[:, 7] = summaries[:, LAST_OUTCOME] == 0
    out[:, 8] = np.nan_to_num(summaries[:, LAST_LOG_DURATION])
    return out


def clipped_retrievability(elapsed_days: np.ndarray, stability: np.ndarray, decay: float) -> tuple[np.ndarray, np.ndarray]:
    """FSRS retrievability after whole ``elapsed_days``, kept off 0 and 1 (``RETRIEVABILITY_CLIP``), and its logit."""
    retrievability = np.clip(forgetting_curve(elapsed_days, stability, decay), RETRIEVABILITY_CLIP, 1.0 - RETRIEVABILITY_CLIP)
    return retrievability, np.log(retrievability / (1.0 - retrievability))


def pair_features(states: np.ndarray, now_seconds, fsrs_parameters=DEFAULT_FSRS6_PARAMETERS) -> np.ndarray:
    """The PAIR_FEATURES columns of pairs in the given states, asked at time ``now``."""
    out = np.empty((len(states), len(PAIR_FEATURES)))
    summary_features(states, now_seconds, out[:, : len(SUMMARY_FEATURES)])
    memory = out[:, len(SUMMARY_FEATURES) :]
    seen = out[:, 0] > 0
    elapsed_seconds = np.maximum(np.asarray(now_seconds) - states[:, LAST_TIME], 0.0)
    elapsed_days = np.floor(elapsed_seconds / SECONDS_PER_DAY)
    stability = np.where(seen, states[:, FSRS_STABILITY], 1.0)
    retrievability, logit_retrievability = clipped_retrievability(np.nan_to_num(elapsed_days), stability, fsrs_parameters[20])
    interval = states[:, SM2_INTERVAL_DAYS]
    overdue = np.log1p(elapsed_seconds / SECONDS_PER_DAY) - np.log1p(interval)
    memory[:, 0] = states[:, LEITNER_BOX]
    memory[:, 1] = states[:, SM2_EASE]
    memory[:, 2] = np.log1p(interval)
    memory[:, 3] = states[:, SM2_REPETITIONS]
    memory[:, 4] = np.where(seen, np.nan_to_num(overdue), 0.0)
    memory[:, 5] = np.where(seen, np.log(stability), 0.0)
    memory[:, 6] = np.where(seen, np.nan_to_num(states[:, FSRS_DIFFICULTY]), 0.0)
    memory[:, 7] = np.where(seen, retrievability, 0.0)
    memory[:, 8] = np.where(seen, logit_retrievability, 0.0)
    return out


@dataclass
class TableHistory:
    """A table replayed: features of every row, and the pair states each row leaves behind.

    Attributes:
        features: (rows, len(FEATURE_NAMES)) float64, from strictly earlier rows.
        pair_states_after: (rows, PAIR_STATE_WIDTH) state of the row's pair after its answer
            (what a later row sees of that pair; retrieval reads neighbours from here).
        time_seconds: the table's time axis in seconds.
    """

    features: np.ndarray
    pair_states_after: np.ndarray
    time_seconds: np.ndarray


def replay_pair_states(
    table: StudyLogTable, fsrs_parameters=DEFAULT_FSRS6_PARAMETERS
) -> tuple[np.ndarray, np.ndarray]:
    """Pair state before and after every row, pair-parallel (one vector step per review rank)."""
    n = len(table)
    time_seconds = time_in_seconds(table)
    grades = grades_of(table)
    durations = log_duration(table.duration_ms)
    pair_key = table.learner * max(table.n_items, int(table.item.max(initial=-1)) + 1) + table.item
    _, pair_index = np.unique(pair_key, return_inverse=True)
    order = np.argsort(pair_index, kind="stable")
    sorted_pair = pair_index[order]
    is_first = np.r_[True, sorted_pair[1:] != sorted_pair[:-1]] if n else np.zeros(0, bool)
    group_start = np.maximum.accumulate(np.where(is_first, np.arange(n), 0)) if n else np.zeros(0, np.int64)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - group_start
    rows_by_rank = np.argsort(rank, kind="stable")
    rank_bounds = np.searchsorted(rank[rows_by_rank], np.arange(int(rank.max(initial=-1)) + 2))

    states = fresh_pair_states(int(pair_index.max(initial=-1)) + 1)
    before = np.empty((n, PAIR_STATE_WIDTH))
    after = np.empty((n, PAIR_STATE_WIDTH))
    for start, stop in zip(rank_bounds[:-1], rank_bounds[1:]):
        rows = rows_by_rank[start:stop]
        pairs = pair_index[rows]
        before[rows] = states[pairs]
        states[pairs] = advance_pair_states(
            before[rows], time_seconds[rows], table.outcome[rows], grades[rows], durations[rows], fsrs_parameters
        )
        after[rows] = states[pairs]
    return before, after


def replay_learner_summaries(table: StudyLogTable) -> np.ndarray:
    """Learner summary before every row, with cumulative sums within each learner."""
    n = len(table)
    correct = table.outcome > 0
    position = table.learner_positions()
    learner_start = np.arange(n) - position
    correct_so_far = np.r_[0, np.cumsum(correct)]
    summaries = np.full((n, SUMMARY_WIDTH), np.nan)
    summaries[:, N_CORRECT] = correct_so_far[:n] - correct_so_far[learner_start]
    summaries[:, N_WRONG] = position - summaries[:, N_CORRECT]
    previous = np.arange(n) - 1
    has_previous = position > 0
    summaries[has_previous, LAST_TIME] = time_in_seconds(table)[previous[has_previous]]
    summaries[has_previous, LAST_OUTCOME] = correct[previous[has_previous]]
    summaries[has_previous, LAST_LOG_DURATION] = log_duration(table.duration_ms)[previous[has_previous]]
    return summaries


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
        grade = int(grade_of_outcome(outcome)) if grade == 0 else grade
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


class Question(NamedTuple):
    """One question about every candidate: asked at ``at_time``, after an optional simulated answer.

    With ``simulated_outcome`` (1 recall, 0 lapse) each candidate is first answered at
    ``simulated_at`` (no later than ``at_time``) in its own hypothetical world.
    """

    at_time: float
    simulated_outcome: int | None = None
    simulated_at: float | None = None


def is_spaced_review(features: np.ndarray, short_gap_hours: float) -> np.ndarray:
    """Rows whose pair was answered before, at least ``short_gap_hours`` earlier.

    The other rows (first sightings, and same-session relearning steps minutes apart)
    follow different rules; models fit them separately so they do not bend the fit
    of spaced reviews, which is what a scheduler mostly asks about.
    """
    seen = features[:, FEATURE_NAMES.index("pair_seen")] > 0
    return seen & (features[:, FEATURE_NAMES.index("pair_log_hours_since")] >= np.log1p(short_gap_hours))


def at_spaced_boundary(features: np.ndarray, short_gap_hours: float, fsrs_decay: float) -> np.ndarray:
    """The same rows asked later, when their pair's last answer is ``short_gap_hours`` old, with no study between.

    Rows already past that moment, and first sightings, are returned unchanged; for
    the others every ``CLOCK_FEATURE_DIRECTIONS`` column is moved forward as
    ``summary_features`` and ``pair_features`` would compute it at that time.
    """
    column = FEATURE_NAMES.index
    moved = features.copy()
    pair_hours = np.expm1(features[:, column("pair_log_hours_since")])
    waiting = (features[:, column("pair_seen")] > 0) & (pair_hours < short_gap_hours)
    shift = np.where(waiting, short_gap_hours - pair_hours, 0.0)
    hours = pair_hours + shift
    learner_hours = np.expm1(features[:, column("learner_log_hours_since")]) + shift
    stability = np.exp(features[:, column("fsrs_log_stability")])
    retrievability, logit_retrievability = clipped_retrievability(np.floor(hours / 24.0), stability, fsrs_decay)
    later = {
        "pair_log_hours_since": np.log1p(hours),
        "sm2_log_overdue": np.log1p(hours / 24.0) - features[:, column("sm2_log_interval")],
        "fsrs_retrievability": retrievability,
        "fsrs_logit_retrievability": logit_retrievability,
        "learner_log_hours_since": np.log1p(learner_hours),
    }
    for name, values in later.items():
        moved[waiting, column(name)] = values[waiting]
    return moved


@dataclass(frozen=True)
class QuestionFeatures:
    """The FEATURE_NAMES of items asked several questions, stored by what each part varies with.

    Row ``(question j, item i)`` of the full matrix is ``pair[j, state_of_item[i]]``,
    then ``learner[j]``, then ``item[i]`` (the column order of FEATURE_NAMES).

    Attributes:
        pair: (questions, pair states, len(PAIR_FEATURES)); items never studied share one state.
        state_of_item: (items,) the pair state of each item.
        learner: (questions, len(LEARNER_FEATURES)), the same for every item.
        item: (items, len(ITEM_FEATURES)), the same for every question.
    """

    pair: np.ndarray
    state_of_item: np.ndarray
    learner: np.ndarray
    item: np.ndarray

    def matrix(self) -> np.ndarray:
        """The full (questions x items, len(FEATURE_NAMES)) matrix, question by question."""
        n_questions, n_items = len(self.learner), len(self.item)
        return np.concatenate(
            [
                self.pair[:, self.state_of_item].reshape(n_questions * n_items, -1),
                np.repeat(self.learner, n_items, axis=0),
                np.tile(self.item, (n_questions, 1)),
            ],
            axis=1,
        )


class HistoryFeatures:
    """Turns rows (real or hypothetical) into the FEATURE_NAMES matrix; fitted item statistics."""

    names = FEATURE_NAMES

    def __init__(self, fsrs_parameters=DEFAULT_FSRS6_PARAMETERS) -> None:
        self.fsrs_parameters = tuple(fsrs_parameters)
        self.item_correct = np.zeros(0)
        self.item_reviews = np.zeros(0)
        self.pair_keys = np.zeros(0, dtype=np.int64)
        self.pair_correct = np.zeros(0)
        self.pair_reviews = np.zeros(0)

    def fit(self, table: StudyLogTable) -> "HistoryFeatures":
        """Count each item's answers, and each learner's share of them, in the training table."""
        self.item_correct = np.bincount(table.item, weights=table.outcome > 0, minlength=table.n_items)
        self.item_reviews = np.bincount(table.item, minlength=table.n_items).astype(np.float64)
        self.pair_keys, pair_index = np.unique(self._pair_key(table.learner, table.item), return_inverse=True)
        self.pair_correct = np.bincount(pair_index, weights=table.outcome > 0, minlength=len(self.pair_keys))
        self.pair_reviews = np.bincount(pair_index, minlength=len(self.pair_keys)).astype(np.float64)
        return self

    def transform(self, table: StudyLogTable) -> TableHistory:
        """Features of every row of ``table`` from that learner's earlier rows only."""
        before, after = replay_pair_states(table, self.fsrs_parameters)
        time_seconds = time_in_seconds(table)
        features = self._assemble(
            before, replay_learner_summaries(table), table.learner, table.item, time_seconds
        )
        return TableHistory(features=features, pair_states_after=after, time_seconds=time_seconds)

    def candidate_features(
        self,
        state: LearnerState,
        items,
        at_time: float,
        *,
        simulated_outcome: int | None = None,
        simulated_at: float | None = None,
    ) -> np.ndarray:
        """Features of each item asked at ``at_time``, optionally after a simulated answer (see ``Question``)."""
        return self.question_features(state, items, [Question(at_time, simulated_outcome, simulated_at)])

    def question_features(self, state: LearnerState, items, questions: list[Question]) -> np.ndarray:
        """Features of the items asked each question: ``len(questions)`` blocks of ``len(items)`` rows."""
        return self.question_feature_parts(state, items, questions).matrix()

    def question_feature_parts(self, state: LearnerState, items, questions: list[Question]) -> "QuestionFeatures":
        """The features of the items asked each question, factored by what each part varies with.

        A simulated answer advances the candidate's pair state and the learner summary
        as ``LearnerState.record`` would. Built for a scheduler that asks several
        questions about many candidates: the pair states and item statistics are looked
        up once, cards never studied share one pair state, the learner summary (the same
        for every candidate) is computed once per question, and all questions go through
        each vector step together. A model that is affine in its inputs' first layer can
        use the parts without assembling the full matrix.
        """
        items = np.asarray(items, dtype=np.int64)
        for question in questions:
            if question.simulated_outcome is not None and (
                question.simulated_at is None or question.simulated_at > question.at_time
            ):
                raise ValueError("a simulated answer needs simulated_at, no later than at_time")
        simulated = [question for question in questions if question.simulated_outcome is not None]
        slots = state.slots_of(items)
        studied = slots >= 0
        # Cards never studied share one fresh pair state: their pair features are computed once.
        states = np.concatenate([state.pair_states[slots[studied]], fresh_pair_states(1)])
        state_of_item = np.where(studied, np.cumsum(studied) - 1, len(states) - 1)
        n_states = len(states)
        outcomes = np.repeat([question.simulated_outcome for question in simulated], n_states).astype(np.int64)
        advanced = advance_pair_states(
            np.tile(states, (len(simulated), 1)),
            np.repeat([question.simulated_at for question in simulated], n_states),
            outcomes,
            grade_of_outcome(outcomes),
            np.full(len(outcomes), np.nan),
            self.fsrs_parameters,
        ).reshape(len(simulated), n_states, PAIR_STATE_WIDTH)
        summaries = np.repeat(state.summary[None, :], len(questions), axis=0)
        blocks, next_advanced = [], iter(advanced)
        for index, question in enumerate(questions):
            if question.simulated_outcome is None:
                blocks.append(states)
                continue
            blocks.append(next(next_advanced))
            summaries[index] = advance_summaries(
                state.summary[None, :], question.simulated_at, [question.simulated_outcome], [np.nan]
            )[0]
        asked_at = np.array([question.at_time for question in questions], dtype=np.float64)
        pair_part = pair_features(np.concatenate(blocks), np.repeat(asked_at, n_states), self.fsrs_parameters)
        return QuestionFeatures(
            pair=pair_part.reshape(len(questions), n_states, -1),
            state_of_item=state_of_item,
            learner=summary_features(summaries, asked_at),
            item=self.item_features(np.full(len(items), state.learner, dtype=np.int64), items),
        )

    def item_features(self, learner: np.ndarray, item: np.ndarray) -> np.ndarray:
        """ITEM_FEATURES: other learners' answers to the item in the training table."""
        known = item < len(self.item_reviews)
        reviews = np.where(known, self.item_reviews[np.minimum(item, len(self.item_reviews) - 1)], 0.0)
        correct = np.where(known, self.item_correct[np.minimum(item, len(self.item_correct) - 1)], 0.0)
        if len(self.pair_keys):
            key = self._pair_key(learner, item)
            position = np.minimum(np.searchsorted(self.pair_keys, key), len(self.pair_keys) - 1)
            own = self.pair_keys[position] == key
            reviews = reviews - np.where(own, self.pair_reviews[position], 0.0)
            correct = correct - np.where(own, self.pair_correct[position], 0.0)
        return np.column_stack([np.log1p(reviews), (correct + 1.0) / (reviews + 2.0)])

    def _assemble(self, pair_states, learner_summaries, learner, item, now_seconds) -> np.ndarray:
        return np.concatenate(
            [
                pair_features(pair_states, now_seconds, self.fsrs_parameters),
                summary_features(learner_summaries, now_seconds),
                self.item_features(learner, item),
            ],
            axis=1,
        )

    @staticmethod
    def _pair_key(learner, item) -> np.ndarray:
        return np.asarray(learner, dtype=np.int64) * (1 << 32) + np.asarray(item, dtype=np.int64)

    def state(self) -> dict:
        """Arrays to save with a model."""
        return {
            "fsrs_parameters": np.asarray(self.fsrs_parameters),
            "item_correct": self.item_correct,
            "item_reviews": self.item_reviews,
            "pair_keys": self.pair_keys,
            "pair_correct": self.pair_correct,
            "pair_reviews": self.pair_reviews,
        }

    @classmethod
    def from_state(cls, state: dict) -> "HistoryFeatures":
        """Inverse of ``state``."""
        extractor = cls(tuple(np.asarray(state["fsrs_parameters"], dtype=np.float64)))
        for name in ("item_correct", "item_reviews", "pair_correct", "pair_reviews"):
            setattr(extractor, name, np.asarray(state[name], dtype=np.float64))
        extractor.pair_keys = np.asarray(state["pair_keys"], dtype=np.int64)
        return extractor
