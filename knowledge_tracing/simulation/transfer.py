"""Which cards help recall which: nearest neighbours in the cards' text-embedding space.

Studying a card makes semantically similar cards easier to recall (a learner who knows
"Capital of France? Paris" is more likely to answer "Largest city of France?"). The
simulator models that through each card's ``k`` most similar other cards, kept only
above a cosine-similarity floor so that unrelated cards never transfer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_NEIGHBOURS = 5
DEFAULT_MIN_SIMILARITY = 0.5


@dataclass(frozen=True)
class CardNeighbours:
    """For each card, its nearest other cards and their cosine similarity (0 marks no neighbour).

    Attributes:
        indices: (n_cards, k) int64 card indices.
        similarity: (n_cards, k) float64 cosine similarities, 0 where the slot is empty.
    """

    indices: np.ndarray
    similarity: np.ndarray

    @classmethod
    def from_embeddings(
        cls, embeddings: np.ndarray, *, k: int = DEFAULT_NEIGHBOURS, min_similarity: float = DEFAULT_MIN_SIMILARITY
    ) -> "CardNeighbours":
        vectors = np.asarray(embeddings, dtype=np.float64)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        if vectors.ndim != 2 or (norms == 0).any():
            raise ValueError("card embeddings must be a 2-d array of non-zero vectors")
        unit = vectors / norms
        similarity = unit @ unit.T
        np.fill_diagonal(similarity, -np.inf)
        k = min(k, max(len(unit) - 1, 0))
        indices = np.argsort(-similarity, axis=1, kind="stable")[:, :k]
        nearest = np.take_along_axis(similarity, indices, axis=1)
        return cls(indices=indices.astype(np.int64), similarity=np.where(nearest >= min_similarity, nearest, 0.0))

    @classmethod
    def none(cls, n_cards: int) -> "CardNeighbours":
        """No transfer at all (every card stands alone)."""
        return cls(indices=np.zeros((n_cards, 0), np.int64), similarity=np.zeros((n_cards, 0)))

    def transferred_recall(self, own_recall: np.ndarray, strength: float) -> np.ndarray:
        """For every card, the chance of recalling it through its best-known neighbour.

        ``strength * similarity * recall of the neighbour``, the maximum over neighbours:
        a neighbour the learner currently remembers well and that is very similar helps most.
        """
        if self.indices.shape[1] == 0:
            return np.zeros(len(own_recall))
        return strength * (self.similarity * own_recall[self.indices]).max(axis=1)
