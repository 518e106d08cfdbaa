"""KARL's retrieval: for each question, the k most related cards the learner studied before it.

For a row (learner, item, time) the candidates are the *other* items this learner
answered at an earlier row (earlier time, or earlier position at equal time); the
row's own answer and everything after it are invisible. With item embeddings the k
candidates most cosine-similar to the target are kept; without embeddings (e.g. an
Anki log with no card text) retrieval falls back to recency, the k items answered
most recently, with similarity 0, so the attention relies on their history alone.
Each neighbour is described by its own history features asked at the row's time
(``NEIGHBOUR_FEATURES``), from the state its latest earlier answer left.

Vectorised per learner: an exclusive running maximum over a (rows x items) one-hot
matrix of row indices gives, for every row and item, the last earlier row of that
item, in chunks that bound memory; top-k is an ``argpartition``. The same selection
and featurisation serve ``LearnerState`` candidates, so batch and incremental agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.features import LAST_TIME, PAIR_FEATURES, LearnerState, pair_features

NEIGHBOUR_FEATURES = (
    "pair_last_correct",
    "pair_last_wrong",
    "pair_log_correct",
    "pair_log_wrong",
    "pair_log_hours_since",
    "fsrs_logit_retrievability",
)
NEIGHBOUR_COLUMNS = np.array([PAIR_FEATURES.index(name) for name in NEIGHBOUR_FEATURES])
CHUNK_CELLS = 1 << 21


@dataclass
class Neighbours:
    """Up to k retrieved cards per row, best first; unused slots have ``valid`` False and zeros.

    Attributes:
        features: (rows, k, len(NEIGHBOUR_FEATURES)) float32.
        similarity: (rows, k) float32 cosine similarity (0 without embeddings).
        valid: (rows, k) bool.
    """

    features: np.ndarray
    similarity: np.ndarray
    valid: np.ndarray

    @classmethod
    def empty(cls, rows: int, k: int) -> "Neighbours":
        return cls(
            features=np.zeros((rows, k, len(NEIGHBOUR_FEATURES)), np.float32),
            similarity=np.zeros((rows, k), np.float32),
            valid=np.zeros((rows, k), bool),
        )

    def fill(self, rows, scored: "_ScoredCandidates", k: int, fsrs_parameters) -> None:
        """Keep the k best-scored candidates of each row and describe them."""
        width = min(k, scored.scores.shape[1])
        if width == 0:
            return
        top = np.argpartition(-scored.scores, width - 1, axis=1)[:, :width]
        top_scores = np.take_along_axis(scored.scores, top, axis=1)
        order = np.argsort(-top_scores, axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        valid = np.isfinite(np.take_along_axis(top_scores, order, axis=1))
        states = scored.states[np.maximum(np.take_along_axis(scored.state_rows, top, axis=1), 0)]
        now = np.repeat(scored.now, width)
        described = pair_features(states.reshape(-1, states.shape[-1]), now, fsrs_parameters)[:, NEIGHBOUR_COLUMNS]
        described = described.reshape(len(top), width, -1) * valid[..., None]
        self.features[rows, :width] = described
        self.similarity[rows, :width] = np.where(valid, np.take_along_axis(scored.similarity, top, axis=1), 0.0)
        self.valid[rows, :width] = valid


@dataclass
class _ScoredCandidates:
    """Candidate neighbours of some rows: scores (-inf where unavailable) and where their states are.

    ``states[state_rows[row, candidate]]`` is the pair state of that candidate as the row sees it.
    """

    scores: np.ndarray
    similarity: np.ndarray
    now: np.ndarray
    states: np.ndarray
    state_rows: np.ndarray


def _rank(target_items, candidate_items, available, last_time, item_embeddings):
    """Ranking scores (similarity, or recency without embeddings) and the similarity itself."""
    if item_embeddings is None:
        similarity = np.zeros(available.shape, np.float32)
        scores = np.broadcast_to(last_time, available.shape).astype(np.float64)
    else:
        similarity = item_embeddings[target_items] @ item_embeddings[candidate_items].T
        scores = similarity.astype(np.float64)
    return np.where(available, scores, -np.inf), similarity


def retrieve_for_table(
    table: StudyLogTable,
    pair_states_after: np.ndarray,
    time_seconds: np.ndarray,
    k: int,
    item_embeddings: np.ndarray | None,
    fsrs_parameters,
) -> Neighbours:
    """Neighbours of every row of ``table`` (``pair_states_after`` from ``HistoryFeatures.transform``)."""
    neighbours = Neighbours.empty(len(table), k)
    bounds = table.learner_boundaries()
    for start, stop in zip(bounds[:-1], bounds[1:]):
        items, local = np.unique(table.item[start:stop], return_inverse=True)
        last_earlier = np.full(len(items), -1, dtype=np.int64)
        chunk = max(1, CHUNK_CELLS // max(len(items), 1))
        for chunk_start in range(start, stop, chunk):
            rows = np.arange(chunk_start, min(chunk_start + chunk, stop))
            marks = np.full((len(rows) + 1, len(items)), -1, dtype=np.int64)
            marks[0] = last_earlier
            marks[np.arange(1, len(rows) + 1), local[rows - start]] = rows
            running = np.maximum.accumulate(marks, axis=0)
            last_row = running[:-1]
            last_earlier = running[-1]
            available = (last_row >= 0) & (np.arange(len(items))[None, :] != local[rows - start][:, None])
            last_time = np.where(last_row >= 0, time_seconds[np.maximum(last_row, 0)], -np.inf)
            scores, similarity = _rank(table.item[rows], items, available, last_time, item_embeddings)
            scored = _ScoredCandidates(
                scores=scores,
                similarity=similarity,
                now=time_seconds[rows],
                states=pair_states_after,
                state_rows=last_row,
            )
            neighbours.fill(rows, scored, k, fsrs_parameters)
    return neighbours


def retrieve_for_candidates(
    state: LearnerState, items: np.ndarray, at_time: float, k: int, item_embeddings: np.ndarray | None
) -> Neighbours:
    """Neighbours of candidate items of one learner asked at ``at_time`` (studied items only)."""
    items = np.asarray(items, dtype=np.int64)
    neighbours = Neighbours.empty(len(items), k)
    available = state.items[None, :] != items[:, None]
    last_time = state.pair_states[:, LAST_TIME][None, :]
    scores, similarity = _rank(items, state.items, available, last_time, item_embeddings)
    scored = _ScoredCandidates(
        scores=scores,
        similarity=similarity,
        now=np.full(len(items), float(at_time)),
        states=state.pair_states,
        state_rows=np.broadcast_to(np.arange(len(state.items)), available.shape),
    )
    neighbours.fill(np.arange(len(items)), scored, k, state.fsrs_parameters)
    return neighbours
