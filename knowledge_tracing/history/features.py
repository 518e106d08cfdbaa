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
ease/interval/repetitions, FSRS stability/difficulty), advanced by the rules of
``update_rules``; a table is replayed pair-parallel by ``replay``. This module turns
pair states and learner summaries into feature columns, and fits the item statistics.

Incremental use (the scheduler). ``LearnerState`` (``learner_state``) holds one learner's pair states
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

import numpy as np

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.history.fsrs_memory import DEFAULT_FSRS6_PARAMETERS, SECONDS_PER_DAY, forgetting_curve, known_grades
from knowledge_tracing.history.learner_state import LearnerState
from knowledge_tracing.history.pairs import pair_key
from knowledge_tracing.history.questions import Question, QuestionFeatures
from knowledge_tracing.history.replay import TableHistory, replay_learner_summaries, replay_pair_states, time_in_seconds
from knowledge_tracing.history.update_rules import (
    FSRS_DIFFICULTY,
    FSRS_STABILITY,
    LAST_LOG_DURATION,
    LAST_OUTCOME,
    LAST_TIME,
    LEITNER_BOX,
    N_CORRECT,
    N_WRONG,
    PAIR_STATE_WIDTH,
    SM2_EASE,
    SM2_INTERVAL_DAYS,
    SM2_REPETITIONS,
    advance_pair_states,
    advance_summaries,
    fresh_pair_states,
)

SECONDS_PER_HOUR = 3_600.0
RETRIEVABILITY_CLIP = 1e-4

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


def is_spaced_review(features: np.ndarray, short_gap_hours: float) -> np.ndarray:
    """Rows whose pair was answered before, at least ``short_gap_hours`` earlier.

    The other rows (first sightings, and same-session relearning steps minutes apart)
    follow different rules; models fit them separately so they do not bend the fit
    of spaced reviews, which is what a scheduler mostly asks about.
    """
    seen = features[:, FEATURE_NAMES.index("pair_seen")] > 0
    return seen & (features[:, FEATURE_NAMES.index("pair_log_hours_since")] >= np.log1p(short_gap_hours))


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
        self.pair_keys, pair_index = np.unique(pair_key(table.learner, table.item), return_inverse=True)
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
            known_grades(outcomes, np.zeros_like(outcomes)),
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
            key = pair_key(learner, item)
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
