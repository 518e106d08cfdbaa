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
item, in chunks that bound memory; top-k is ``torch.topk``.

A scheduler's candidates (``LearnerState``) are served without a per-request
similarity product: ``SimilarityRanking`` lists each card's most similar cards once
per fitted model, ``choose_for_candidates`` takes the first k of them the learner
has studied (ranking all studied cards only for candidates the list cannot settle),
and ``describe_at`` describes each distinct chosen neighbour once at each time asked.
The choice is the same top-k as for a table row, so batch and incremental agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.special import expit

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.history.features import PAIR_FEATURES, pair_features
from knowledge_tracing.history.learner_state import LearnerState
from knowledge_tracing.history.update_rules import LAST_TIME

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
RECALL_COLUMN = NEIGHBOUR_FEATURES.index("fsrs_logit_retrievability")
RANKED_NEIGHBOURS = 64
FIRST_LOOK = 16  # ranking columns tried first: they settle most candidates of a learner who studied much of the deck


def neighbour_recall(features: np.ndarray) -> np.ndarray:
    """Each described neighbour's FSRS retrievability (the logistic of its logit column), from (..., NEIGHBOUR_FEATURES)."""
    return expit(features[..., RECALL_COLUMN])


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

    def fill(self, rows, chosen: "ChosenNeighbours", states: np.ndarray, now: np.ndarray, fsrs_parameters) -> None:
        """Describe the chosen neighbours of ``rows`` by their ``states`` asked at ``now``."""
        width = chosen.state_rows.shape[1]
        if width == 0:
            return
        picked = states[chosen.state_rows].reshape(-1, states.shape[-1])
        described = pair_features(picked, np.repeat(now, width), fsrs_parameters)[:, NEIGHBOUR_COLUMNS]
        self.features[rows, :width] = described.reshape(len(rows), width, -1) * chosen.valid[..., None]
        self.similarity[rows, :width] = chosen.similarity
        self.valid[rows, :width] = chosen.valid


@dataclass
class ChosenNeighbours:
    """The k best candidates of each row, best first: where their states are, similarity, validity.

    Which neighbours are chosen does not depend on the time a question is asked, so a
    scheduler chooses once and describes them at several times (``describe_at``).
    """

    state_rows: np.ndarray
    similarity: np.ndarray
    valid: np.ndarray

    @classmethod
    def empty(cls, rows: int, width: int) -> "ChosenNeighbours":
        return cls(np.zeros((rows, width), np.int64), np.zeros((rows, width), np.float32), np.zeros((rows, width), bool))

    def take(self, rows) -> "ChosenNeighbours":
        return ChosenNeighbours(self.state_rows[rows], self.similarity[rows], self.valid[rows])

    def put(self, rows, other: "ChosenNeighbours") -> None:
        """Overwrite ``rows`` with the rows of ``other``, in order."""
        self.state_rows[rows], self.similarity[rows], self.valid[rows] = other.state_rows, other.similarity, other.valid

    @classmethod
    def best(cls, scores, similarity, state_rows, k: int) -> "ChosenNeighbours":
        """Top-k of ``scores`` (-inf where unavailable); ``state_rows[row, candidate]`` locates states."""
        width = min(k, scores.shape[1])
        if width == 0:
            return cls.empty(len(scores), 0)
        best_scores, top = torch.topk(torch.from_numpy(np.ascontiguousarray(scores)), width, dim=1, sorted=True)
        top = top.numpy()
        valid = np.isfinite(best_scores.numpy())
        return cls(
            state_rows=np.maximum(np.take_along_axis(state_rows, top, axis=1), 0),
            similarity=np.where(valid, np.take_along_axis(similarity, top, axis=1), 0.0).astype(np.float32),
            valid=valid,
        )


def _rank(target_items, candidate_items, available, last_time, item_embeddings):
    """Ranking scores (similarity, or recency without embeddings) and the similarity itself."""
    if item_embeddings is None:
        similarity = np.zeros(available.shape, np.float32)
        scores = np.broadcast_to(last_time, available.shape)
    else:
        similarity = item_embeddings[target_items] @ item_embeddings[candidate_items].T
        scores = similarity
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
            chosen = ChosenNeighbours.best(scores, similarity, last_row, k)
            neighbours.fill(rows, chosen, pair_states_after, time_seconds[rows], fsrs_parameters)
    return neighbours


@dataclass(frozen=True)
class SimilarityRanking:
    """Every catalogue item's ``width`` most similar other items, best first (ties: lower id first).

    Computed once per fitted model from its cached embeddings. A candidate's k
    neighbours are then the first k items of its ranking that the learner has studied,
    found in O(candidates x width) per request instead of a (candidates x studied)
    similarity product and top-k. A candidate with fewer than k studied items in its
    ranking (a learner who has studied few cards) is ranked against all studied items,
    which is cheap exactly when the learner has studied few.
    """

    embeddings: np.ndarray
    items: np.ndarray
    similarity: np.ndarray

    @property
    def width(self) -> int:
        return self.items.shape[1]

    @classmethod
    def of(cls, embeddings: np.ndarray, width: int = RANKED_NEIGHBOURS) -> "SimilarityRanking":
        n_items = len(embeddings)
        width = max(min(width, n_items - 1), 0)
        items = np.zeros((n_items, width), np.int64)
        similarity = np.zeros((n_items, width), np.float32)
        chunk = max(1, CHUNK_CELLS // max(n_items, 1))
        for start in range(0, n_items if width else 0, chunk):
            rows = np.arange(start, min(start + chunk, n_items))
            block = embeddings[rows] @ embeddings.T
            block[np.arange(len(rows)), rows] = -np.inf
            top = np.argpartition(-block, width - 1, axis=1)[:, :width]
            top_similarity = np.take_along_axis(block, top, axis=1)
            order = np.lexsort((top, -top_similarity), axis=1)
            items[rows] = np.take_along_axis(top, order, axis=1)
            similarity[rows] = np.take_along_axis(top_similarity, order, axis=1)
        return cls(embeddings=embeddings, items=items, similarity=similarity)


def choose_for_candidates(
    state: LearnerState, items: np.ndarray, k: int, ranking: SimilarityRanking | None
) -> ChosenNeighbours:
    """The neighbours of each candidate item among the learner's studied items (never itself).

    With a ``ranking``, the most similar studied items; without one, the most recently
    answered ones (the same k + 1 for every candidate, less the candidate itself).
    """
    items = np.asarray(items, dtype=np.int64)
    width = min(k, len(state.items))
    if ranking is None:
        recent = np.argsort(-state.pair_states[:, LAST_TIME], kind="stable")[: k + 1]
        ranked_rows = np.broadcast_to(recent, (len(items), len(recent)))
        usable = state.items[ranked_rows] != items[:, None]
        return _first_usable(ranked_rows, np.zeros(ranked_rows.shape, np.float32), usable, width)
    chosen = ChosenNeighbours.empty(len(items), width)
    needed = np.minimum(width, len(state.items) - (state.slots_of(items) >= 0))
    pending = np.arange(len(items))
    for columns in sorted({min(FIRST_LOOK, ranking.width), ranking.width}):
        ranked_rows = state.slots_of(ranking.items[items[pending], :columns].ravel()).reshape(len(pending), columns)
        found = _first_usable(ranked_rows, ranking.similarity[items[pending], :columns], ranked_rows >= 0, width)
        settled = found.valid.sum(axis=1) >= needed[pending]
        chosen.put(pending[settled], found.take(settled))
        pending = pending[~settled]
    if len(pending):
        chosen.put(pending, _choose_among_all_studied(state, items[pending], width, ranking.embeddings))
    return chosen


def _first_usable(ranked_rows: np.ndarray, similarity: np.ndarray, usable: np.ndarray, width: int) -> ChosenNeighbours:
    """Per row, the first ``width`` usable entries of a best-first ranking of state rows."""
    chosen = ChosenNeighbours.empty(len(ranked_rows), width)
    place = np.cumsum(usable, axis=1) - 1
    row, column = np.nonzero(usable & (place < width))
    slot = place[row, column]
    chosen.state_rows[row, slot] = ranked_rows[row, column]
    chosen.similarity[row, slot] = similarity[row, column]
    chosen.valid[row, slot] = True
    return chosen


def _choose_among_all_studied(state: LearnerState, items: np.ndarray, k: int, embeddings: np.ndarray) -> ChosenNeighbours:
    available = state.items[None, :] != items[:, None]
    scores, similarity = _rank(items, state.items, available, None, embeddings)
    return ChosenNeighbours.best(scores, similarity, np.broadcast_to(np.arange(len(state.items)), available.shape), k)


@dataclass
class DescribedNeighbours:
    """The chosen neighbours of candidates, each distinct neighbour described once per time asked.

    Attributes:
        features: (times, distinct neighbours, len(NEIGHBOUR_FEATURES)) float64.
        distinct_of_slot: (candidates, width) which distinct neighbour fills each slot
            (any one where ``chosen.valid`` is False: such slots carry no weight).
        chosen: the choice described (similarity and validity per slot).
    """

    features: np.ndarray
    distinct_of_slot: np.ndarray
    chosen: ChosenNeighbours


def describe_at(state: LearnerState, chosen: ChosenNeighbours, times) -> DescribedNeighbours:
    """The chosen neighbours of candidates as they stand at each of ``times``.

    Each distinct neighbour is described once per time, however many candidates share
    it; a model encodes the distinct descriptions and gathers them per slot.
    """
    times = np.asarray(times, dtype=np.float64)
    needed, distinct_of_slot = np.unique(chosen.state_rows, return_inverse=True)
    described = pair_features(
        np.tile(state.pair_states[needed], (len(times), 1)), np.repeat(times, len(needed)), state.fsrs_parameters
    )[:, NEIGHBOUR_COLUMNS]
    return DescribedNeighbours(
        features=described.reshape(len(times), len(needed), len(NEIGHBOUR_FEATURES)),
        distinct_of_slot=distinct_of_slot.reshape(chosen.state_rows.shape),
        chosen=chosen,
    )
