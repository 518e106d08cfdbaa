"""Deep Knowledge Tracing (Piech et al., 2015): an LSTM over (concept, answer) pairs.

The LSTM reads the learner's earlier answers, one embedded (concept, answer) pair per
step, and its state is read out at the concept asked next. With
``item_representation="text"`` both the input and the read-out come from the items'
text embeddings, so a concept never seen in training still gets a prediction.
"""

from __future__ import annotations

import torch
from torch import nn

from knowledge_tracing.models.base import register_model
from knowledge_tracing.models.sequences import (
    WINDOWED_TRAINING,
    ConceptReadout,
    InteractionEmbedding,
    SequenceBatch,
    SequenceModel,
    shift_right,
)


class DKTNetwork(nn.Module):
    """Embedded previous answer -> LSTM -> dropout -> logit for the asked concept."""

    def __init__(self, *, representation: str, n_concepts: int, text_dim: int, embedding_dim: int, hidden_size: int, dropout: float) -> None:
        super().__init__()
        self.interactions = InteractionEmbedding(representation, n_concepts, text_dim, embedding_dim)
        self.start = nn.Parameter(torch.zeros(embedding_dim))
        self.lstm = nn.LSTM(embedding_dim, hidden_size, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.readout = ConceptReadout(representation, n_concepts, text_dim, hidden_size)

    def forward(self, batch: SequenceBatch) -> torch.Tensor:
        previous = shift_right(self.interactions(batch), self.start)
        state, _ = self.lstm(previous)
        return self.readout(self.dropout(state), batch)


@register_model
class DKT(SequenceModel):
    """LSTM knowledge tracing; defaults follow common DKT baselines (hidden 200, Adam 1e-3)."""

    name = "dkt"
    default_hyperparameters = {
        **WINDOWED_TRAINING,
        "item_representation": "id",
        "embedding_dim": 200,
        "hidden_size": 200,
        "dropout": 0.2,
        "learning_rate": 1e-3,
        "weight_decay": 0.0,
        "batch_size": 64,
        "max_train_length": 200,
        "max_epochs": 100,
        "patience": 3,
        "min_improvement": 1e-4,
        "lr_decay": 0.3,
        "lr_decay_every": 0,
        "adam_beta2": 0.999,
    }

    def _build_network(self, n_concepts: int, text_dim: int) -> nn.Module:
        hp = self.hyperparameters
        return DKTNetwork(
            representation=hp["item_representation"],
            n_concepts=n_concepts,
            text_dim=text_dim,
            embedding_dim=hp["embedding_dim"],
            hidden_size=hp["hidden_size"],
            dropout=hp["dropout"],
        )
