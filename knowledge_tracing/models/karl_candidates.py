"""KARL's network on a scheduler's candidates, with its algebra factored over what the questions share.

A scheduler asks the same few questions (now; tomorrow after a recall, after a lapse,
without study) about every candidate card. Most of what the network reads is shared
between the rows: a card's text is the same for every question, the learner summary
the same for every card, a pair state the same for the questions asked before a
simulated answer, and a neighbour the same for every candidate that retrieves it. The
first layers of ``KarlNetwork`` are affine in their inputs, so they are applied to
each distinct part once and the parts are summed per row:

    query, hidden head input, regime logits = A_pair·pair[j, state(i)] + A_learner·learner[j]
                                              + A_item·item[i] + A_text·text(i) + bias

and each distinct neighbour description is encoded once per time, then gathered into
the candidates' slots. The stacked first-layer weights and every later stage
(encoding, attention pooling, transfer, logit) are ``KarlNetwork``'s own methods,
which its ``forward`` calls too, so this path restates none of the network. Every
tensor is laid out hidden unit first (units x questions x items) and the attention
runs over the slot axis, so each reduction adds whole planes instead of a few
numbers per row (PyTorch's softmax over 5 slots in the last dimension was 6x
slower). Predictions equal the network's ``forward`` on the assembled inputs up to
float32 rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from knowledge_tracing.history.features import FEATURE_NAMES, LEARNER_FEATURES, PAIR_FEATURES, is_spaced_review
from knowledge_tracing.history.questions import QuestionFeatures
from knowledge_tracing.history.retrieval import DescribedNeighbours, neighbour_recall
from knowledge_tracing.models.linear import Standardiser

PAIR_COLUMNS = slice(0, len(PAIR_FEATURES))
LEARNER_COLUMNS = slice(len(PAIR_FEATURES), len(PAIR_FEATURES) + len(LEARNER_FEATURES))
ITEM_COLUMNS = slice(len(PAIR_FEATURES) + len(LEARNER_FEATURES), len(FEATURE_NAMES))


class RegimeStandardiser:
    """One ``Standardiser`` per regime (spaced reviews, the rest), each fitted on its own regime's training rows.

    Each regime is clipped to the range its own rows showed. Day-spaced logs hold first
    sightings and same-session steps after a lapse, never a card answered correctly
    seconds ago: clipped to the range of all rows, such a card's Leitner box, streak and
    retrievability would still reach the non-spaced regime's weights at values it never
    saw (and its recall collapsed to 0); clipped to its own rows, it is described as the
    regime's nearest experience.
    """

    def __init__(self) -> None:
        self.spaced, self.fresh = Standardiser(), Standardiser()

    def fit(self, features: np.ndarray, spaced: np.ndarray) -> "RegimeStandardiser":
        self.spaced.fit(features[spaced])
        self.fresh.fit(features[~spaced])
        return self

    def __call__(self, features: np.ndarray, spaced: np.ndarray) -> np.ndarray:
        return np.where(spaced[:, None], self.spaced(features), self.fresh(features))

    def state(self) -> dict:
        return {"spaced": self.spaced.state(), "fresh": self.fresh.state()}

    @classmethod
    def from_state(cls, state: dict) -> "RegimeStandardiser":
        standardiser = cls()
        standardiser.spaced, standardiser.fresh = Standardiser.from_state(state["spaced"]), Standardiser.from_state(state["fresh"])
        return standardiser


@dataclass(frozen=True)
class StandardisedInputs:
    """How the model clips, centres and scales its features and its neighbour descriptions (fitted on training rows)."""

    features: RegimeStandardiser
    neighbours: Standardiser


class CandidateScorer:
    """A fitted ``KarlNetwork`` on candidates: its stages, with each shared part computed once."""

    def __init__(self, network, standardised: StandardisedInputs, embeddings: np.ndarray | None) -> None:
        self.network = network
        self.standardised = standardised
        with torch.inference_mode():
            self.feature_weight, self.bias = (part.detach() for part in network.first_layer_weights())
        self.cached_embeddings = embeddings
        self.cached_text_terms = None if embeddings is None else self._text_terms(embeddings)

    def probability(
        self,
        features: QuestionFeatures,
        items: np.ndarray,
        embeddings: np.ndarray | None,
        neighbours: DescribedNeighbours,
        block_of_question: list[int],
        short_gap_hours: float,
    ) -> np.ndarray:
        """(questions, items) P(recall); question ``j`` reads the neighbours described at time ``block_of_question[j]``."""
        with torch.inference_mode():
            spaced = torch.as_tensor(
                is_spaced_review(features.pair.reshape(-1, features.pair.shape[-1]), short_gap_hours).reshape(
                    features.pair.shape[:2]
                )[:, features.state_of_item]
            )
            first = self.network.split_first_layer(self._first_layer_terms(features, torch.as_tensor(items), embeddings, spaced))
            pooled, transfer = self._neighbour_terms(neighbours, first.query, block_of_question)
            return torch.sigmoid(self.network.logit(first, pooled, transfer, spaced)).double().numpy()

    def _first_layer_terms(self, features: QuestionFeatures, items: torch.Tensor, embeddings, spaced) -> torch.Tensor:
        """(2·hidden + 2, questions, items): the first layer's pre-activations, each part computed once per regime."""
        regimes = self.standardised.features
        terms = torch.where(
            spaced, self._history_terms(features, regimes.spaced), self._history_terms(features, regimes.fresh)
        )
        if self.network.text is None:
            return terms
        cached = embeddings is self.cached_embeddings
        text_terms = self.cached_text_terms.index_select(1, items) if cached else self._text_terms(embeddings[items.numpy()])
        return terms + text_terms[:, None, :]

    def _history_terms(self, features: QuestionFeatures, standardiser: Standardiser) -> torch.Tensor:
        """(2·hidden + 2, questions, items): what the history features add, standardised by one regime's ``standardiser``."""
        pair = _column_major(standardiser(features.pair, PAIR_COLUMNS))  # (columns, questions, states)
        pair_terms = (self.feature_weight[:, PAIR_COLUMNS] @ pair.flatten(1)).view(-1, *pair.shape[1:])
        learner = _column_major(standardiser(features.learner, LEARNER_COLUMNS))
        learner_terms = self.feature_weight[:, LEARNER_COLUMNS] @ learner + self.bias[:, None]
        card_terms = self.feature_weight[:, ITEM_COLUMNS] @ _column_major(standardiser(features.item, ITEM_COLUMNS))
        state_of_item = torch.as_tensor(features.state_of_item)
        return pair_terms.index_select(2, state_of_item) + learner_terms[:, :, None] + card_terms[:, None, :]

    def _text_terms(self, embeddings: np.ndarray) -> torch.Tensor:
        """(2·hidden + 2, cards): what each card's projected text adds to the first layer."""
        with torch.inference_mode():
            return self.network.text_terms(_float32(embeddings))

    def _neighbour_terms(self, neighbours: DescribedNeighbours, query: torch.Tensor, block_of_question):
        """(hidden, questions, items) attention-pooled neighbours and (questions, items) transfer.

        Each distinct neighbour is described once per time and gathered into the
        candidates' slots for every question at once, laid out slot first (slots,
        questions, items) so that the pooling runs over whole planes. One pass over all
        questions, not one per time: a forecast curve asks one card at 160 times, and
        a loop over them spent most of a model-driven due date in per-time overhead.
        """
        chosen = neighbours.chosen
        width, n_items = chosen.valid.shape[1], chosen.valid.shape[0]
        if width == 0:
            return torch.zeros_like(query), torch.zeros(query.shape[1:])
        described = self.network.describe_neighbours(
            _float32(self.standardised.neighbours(neighbours.features))
        )  # (hidden, times, distinct)
        recall = _float32(neighbour_recall(neighbours.features))  # (times, distinct)
        slots = torch.as_tensor(neighbours.distinct_of_slot.T.ravel())  # slot-major: slot, then item
        similarity = _float32(chosen.similarity.T)[:, None, :]  # (width, 1, items)
        offsets = self.network.neighbour_offsets(similarity)
        invalid = torch.as_tensor(~chosen.valid.T)[:, None, :]
        blocks = torch.as_tensor(np.asarray(block_of_question, dtype=np.int64))
        n_questions = len(blocks)
        gathered = described.index_select(1, blocks).index_select(2, slots).view(-1, n_questions, width, n_items)
        encoded = self.network.encode_neighbours(gathered.transpose(1, 2), offsets)  # (hidden, width, questions, items)
        pooled = self.network.pool(encoded, query, invalid)
        slot_recall = recall.index_select(0, blocks).index_select(1, slots).view(n_questions, width, n_items).transpose(0, 1)
        return pooled, self.network.transfer(similarity, slot_recall, invalid)


def _float32(values) -> torch.Tensor:
    return torch.as_tensor(np.ascontiguousarray(values, dtype=np.float32))


def _column_major(values: np.ndarray) -> torch.Tensor:
    """float32 (last axis first, ...): rows become columns, so the hidden units lead every layout."""
    return _float32(np.moveaxis(values, -1, 0))
