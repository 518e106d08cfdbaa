"""KARL's network: the one definition of its forward pass, for table rows and a scheduler's candidates alike.

The network is written as stages that take their tensors hidden unit first (units,
then neighbour slots, then any number of row axes), so that ``forward`` (one row per
prediction) and ``karl_candidates`` (questions x candidate cards, with shared parts
computed once) call the same stages and cannot drift apart:

1. ``first_layer_weights``: one affine map from the history features (and the
   projected card text) to the attention query, the head's hidden pre-activation and
   the two regime logits, stacked in ``FirstLayer`` order;
2. ``describe_neighbours``, ``neighbour_offsets``, ``encode_neighbours``: each
   retrieved neighbour's encoding from its description and its similarity;
3. ``pool``: attention of the query over the neighbour slots;
4. ``transfer``: the best-known related card, ``max_slot similarity x recall``;
5. ``logit``: the regime's linear logit plus the transfer term plus the residual head.

Every layer reads one named input part (no weight is picked by its position in a
concatenation), so the candidate path's factored algebra names what it reuses.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from knowledge_tracing.history.features import CLOCK_FEATURE_DIRECTIONS, FEATURE_NAMES
from knowledge_tracing.history.retrieval import NEIGHBOUR_FEATURES

RISING_CLOCK_COLUMNS = [FEATURE_NAMES.index(name) for name, direction in CLOCK_FEATURE_DIRECTIONS.items() if direction > 0]
FALLING_CLOCK_COLUMNS = [FEATURE_NAMES.index(name) for name, direction in CLOCK_FEATURE_DIRECTIONS.items() if direction < 0]


@dataclass(frozen=True)
class FirstLayer:
    """The first layer's three outputs, each (units, *rows): attention query, head pre-activation, regime logits."""

    query: torch.Tensor
    head_input: torch.Tensor
    regime_logits: torch.Tensor


class KarlNetwork(nn.Module):
    """Linear regime paths, a transfer term from the best-known neighbour, and a residual attention head.

    The output layer and the transfer weights start at zero, so an untrained network
    is exactly its linear paths (the warm start). The transfer weights, like the
    linear paths' clock weights, are kept to the sign under which recall never rises
    with time alone (``keep_recall_falling_with_time``).
    """

    def __init__(self, n_features: int, embedding_dim: int, *, hidden: int, text_dim: int, dropout: float) -> None:
        super().__init__()
        self.hidden = hidden
        self.linear = nn.Linear(n_features, 2)
        self.transfer_weight = nn.Parameter(torch.zeros(2))
        self.query_features = nn.Linear(n_features, hidden)
        self.head_features = nn.Linear(n_features, hidden)
        self.text = nn.Linear(embedding_dim, text_dim) if embedding_dim else None
        self.query_text = nn.Linear(text_dim, hidden, bias=False) if embedding_dim else None
        self.head_text = nn.Linear(text_dim, hidden, bias=False) if embedding_dim else None
        self.neighbour_description = nn.Linear(len(NEIGHBOUR_FEATURES), hidden)
        bound = (len(NEIGHBOUR_FEATURES) + 1) ** -0.5
        self.neighbour_similarity = nn.Parameter(torch.empty(hidden).uniform_(-bound, bound))
        self.head_pooled = nn.Linear(hidden, hidden, bias=False)
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(hidden, 1)
        nn.init.zeros_(self.output.weight)
        nn.init.zeros_(self.output.bias)

    # ----- stages (units first) -------------------------------------------------------------

    def first_layer_weights(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(weight over the features, bias), stacked query, head pre-activation, regime logits."""
        weight = torch.cat([self.query_features.weight, self.head_features.weight, self.linear.weight])
        bias = torch.cat([self.query_features.bias, self.head_features.bias, self.linear.bias])
        return weight, bias

    def text_terms(self, embeddings: torch.Tensor) -> torch.Tensor:
        """(2·hidden + 2, cards): what each card's projected text adds to the first layer (nothing to the logits)."""
        projected = self.text(embeddings)
        return torch.cat([self.query_text(projected).T, self.head_text(projected).T, projected.new_zeros(2, len(projected))])

    def split_first_layer(self, terms: torch.Tensor) -> FirstLayer:
        return FirstLayer(terms[: self.hidden], terms[self.hidden : 2 * self.hidden], terms[2 * self.hidden :])

    def describe_neighbours(self, neighbour_features: torch.Tensor) -> torch.Tensor:
        """(units, ...) the description part of each neighbour's encoding, from (..., NEIGHBOUR_FEATURES)."""
        return torch.tensordot(self.neighbour_description.weight, neighbour_features, dims=([1], [-1]))

    def neighbour_offsets(self, similarity: torch.Tensor) -> torch.Tensor:
        """(units, slots, *rows) what each slot's (slots, *rows) similarity and the bias add to its encoding."""
        units = (-1,) + (1,) * similarity.dim()
        return self.neighbour_similarity.view(units) * similarity + self.neighbour_description.bias.view(units)

    @staticmethod
    def encode_neighbours(described: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        """(units, slots, *rows) encodings from ``describe_neighbours`` and ``neighbour_offsets``."""
        return torch.relu(described + offsets)

    def pool(self, encoded: torch.Tensor, query: torch.Tensor, invalid: torch.Tensor) -> torch.Tensor:
        """(units, *rows) attention-pooled neighbours; slots where ``invalid`` weigh nothing (all invalid: zeros)."""
        scores = (encoded * query.unsqueeze(1)).sum(0) / self.hidden**0.5
        weights = torch.softmax(scores.masked_fill(invalid, -1e9), dim=0).masked_fill(invalid, 0.0)
        return (weights * encoded).sum(1)

    @staticmethod
    def transfer(similarity: torch.Tensor, recall: torch.Tensor, invalid: torch.Tensor) -> torch.Tensor:
        """(*rows) recall through the best-known related card: max over slots of similarity x its recall, at least 0.

        A learner who remembers a closely related card well is likelier to answer this
        one; an unrelated or forgotten neighbour adds nothing.
        """
        if similarity.shape[0] == 0:
            return similarity.new_zeros(similarity.shape[1:])
        return (similarity.clamp(min=0.0) * recall).masked_fill(invalid, 0.0).amax(0)

    def logit(self, first: FirstLayer, pooled: torch.Tensor, transfer: torch.Tensor, spaced: torch.Tensor) -> torch.Tensor:
        """(*rows) the recall logit: the regime's linear logit and transfer term, plus the residual head."""
        hidden = self.dropout(torch.relu(first.head_input + torch.tensordot(self.head_pooled.weight, pooled, dims=([1], [0]))))
        residual = torch.tensordot(self.output.weight[0], hidden, dims=([0], [0])) + self.output.bias[0]
        linear = first.regime_logits + self.transfer_weight.view((2,) + (1,) * transfer.dim()) * transfer
        return torch.where(spaced, linear[0], linear[1]) + residual

    # ----- one row per prediction -------------------------------------------------------------

    def forward(self, features, spaced, embedding, neighbour_features, similarity, valid, neighbour_recall):
        """The recall logit of each row; neighbours are (rows, slots, ...) and are read slot first."""
        weight, bias = self.first_layer_weights()
        terms = weight @ features.T + bias[:, None]
        if self.text is not None:
            terms = terms + self.text_terms(embedding)
        first = self.split_first_layer(terms)
        invalid, similarity = ~valid.T, similarity.T
        encoded = self.encode_neighbours(
            self.describe_neighbours(neighbour_features.transpose(0, 1)), self.neighbour_offsets(similarity)
        )
        transfer = self.transfer(similarity, neighbour_recall.T, invalid)
        return self.logit(first, self.pool(encoded, first.query, invalid), transfer, spaced)

    def keep_recall_falling_with_time(self) -> None:
        """Project the clock weights of the linear paths, and the transfer weights, back to their signs.

        The linear paths keep the signs ``RegularisedLogit`` fits them to; the transfer
        weights stay at or above 0, since a neighbour's recall only falls with time.
        """
        with torch.no_grad():
            weight = self.linear.weight
            weight[:, RISING_CLOCK_COLUMNS] = weight[:, RISING_CLOCK_COLUMNS].clamp(max=0.0)
            weight[:, FALLING_CLOCK_COLUMNS] = weight[:, FALLING_CLOCK_COLUMNS].clamp(min=0.0)
            self.transfer_weight.clamp_(min=0.0)


def upgrade_saved_network(state: dict, n_features: int) -> dict:
    """A network ``state_dict`` saved before the network named its parts, in today's names.

    Until then the query, head and neighbour layers each read one concatenation
    ([features, text], [features, text, pooled], [description, similarity]); their
    weights are cut into the parts those concatenations were made of, and the
    transfer weights (which did not exist) are zero, so the upgraded network predicts
    what the saved one did.
    """
    if "neighbour.0.weight" not in state:
        return state
    query_weight, head_weight, neighbour_weight = state["query.weight"], state["head.1.weight"], state["neighbour.0.weight"]
    query_dim = query_weight.shape[1]
    upgraded = {name: value for name, value in state.items() if name.startswith(("linear.", "text."))}
    upgraded |= {
        "transfer_weight": torch.zeros(2),
        "query_features.weight": query_weight[:, :n_features],
        "query_features.bias": state["query.bias"],
        "head_features.weight": head_weight[:, :n_features],
        "head_features.bias": state["head.1.bias"],
        "neighbour_description.weight": neighbour_weight[:, :-1],
        "neighbour_description.bias": state["neighbour.0.bias"],
        "neighbour_similarity": neighbour_weight[:, -1],
        "head_pooled.weight": head_weight[:, query_dim:],
        "output.weight": state["head.4.weight"],
        "output.bias": state["head.4.bias"],
    }
    if query_dim > n_features:
        upgraded["query_text.weight"] = query_weight[:, n_features:]
        upgraded["head_text.weight"] = head_weight[:, n_features:query_dim]
    return upgraded
