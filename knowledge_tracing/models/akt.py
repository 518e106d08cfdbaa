"""AKT (Ghosh, Heffernan and Lan, "Context-Aware Attentive Knowledge Tracing", KDD 2020).

Three attention blocks over a learner's sequence, written from the paper:

- Rasch-model embeddings: a question is its concept's vector plus the question's scalar
  difficulty times a concept-specific variation vector, x_t = c_{c_t} + mu_{q_t} d_{c_t};
  an answer likewise, y_t = e_{(c_t, r_t)} + mu_{q_t} f_{(c_t, r_t)}. An L2 penalty keeps
  the difficulties small, so that questions seen rarely stay close to their concept.
- A question encoder (self-attention over x, each step seeing itself and the past) and
  a knowledge encoder (self-attention over y, likewise) give context-aware vectors.
- A knowledge retriever attends from each step's encoded question to the encoded
  questions of strictly earlier steps and reads their encoded answers: step t never
  sees its own answer.

Every attention is monotonic: a score is multiplied by exp(-theta * d(t, tau)), with a
learned positive rate theta per head and the context-aware distance
d(t, tau) = |t - tau| * (the attention that step t gives to steps after tau), so that
attention decays with time and with how much else was studied since. As in the
authors' code, the distance is computed without gradient and under a square root.
The retrieved knowledge, next to the question's own embedding, goes through a
two-layer network to the logit. No positional encoding: the decay carries the order.

Defaults follow the paper where CPU time allows (one block each, 8 heads, dropout 0.05, L2 1e-5, windows of 200 steps); the width (128
rather than 256) and the learning rate (1e-3 rather than 1e-5, which would need
hundreds of epochs here) are this project's, see ``docs/models/akt.md``.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.models.base import register_model
from knowledge_tracing.models.sequences import EVERY_WINDOW_TRAINING, ConceptVectors, InteractionEmbedding, SequenceBatch, SequenceModel, learner_spans


class MonotonicAttention(nn.Module):
    """Multi-head attention whose scores decay with the context-aware distance (queries and keys share a projection)."""

    def __init__(self, width: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.head_width = width // heads
        self.query_key = nn.Linear(width, width)
        self.value = nn.Linear(width, width)
        self.output = nn.Linear(width, width)
        self.dropout = nn.Dropout(dropout)
        self.decay = nn.Parameter(torch.empty(heads, 1, 1))
        nn.init.xavier_uniform_(self.decay)

    def forward(self, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
        """``allowed`` (steps, steps) is True where query step t may attend to key step tau."""
        batch, steps, width = query.shape

        def split(tensor: torch.Tensor) -> torch.Tensor:
            return tensor.view(batch, steps, self.heads, self.head_width).transpose(1, 2)

        q, k, v = split(self.query_key(query)), split(self.query_key(key)), split(self.value(value))
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_width)
        with torch.no_grad():
            weights = torch.softmax(scores.masked_fill(~allowed, -1e32), dim=-1) * allowed
            attention_after = weights.sum(-1, keepdim=True) - weights.cumsum(-1)
            positions = torch.arange(steps, device=query.device)
            gap = (positions[:, None] - positions[None, :]).abs()
            distance = (attention_after * gap).clamp(min=0.0).sqrt()
        rate = nn.functional.softplus(self.decay)
        decay = torch.exp(-rate * distance).clamp(min=1e-5, max=1e5)
        scores = (scores * decay).masked_fill(~allowed, -1e32)
        attention = torch.softmax(scores, dim=-1) * allowed.any(-1, keepdim=True)
        mixed = self.dropout(attention) @ v
        return self.output(mixed.transpose(1, 2).reshape(batch, steps, width))


class AttentionBlock(nn.Module):
    """Monotonic attention, residual and layer norm, then (optionally) a position-wise feed-forward layer likewise."""

    def __init__(self, width: int, heads: int, dropout: float, feed_forward: bool) -> None:
        super().__init__()
        self.attention = MonotonicAttention(width, heads, dropout)
        self.attention_dropout = nn.Dropout(dropout)
        self.attention_norm = nn.LayerNorm(width)
        self.feed_forward = None
        if feed_forward:
            self.feed_forward = nn.Sequential(
                nn.Linear(width, 4 * width), nn.ReLU(), nn.Dropout(dropout), nn.Linear(4 * width, width), nn.Dropout(dropout)
            )
            self.feed_forward_norm = nn.LayerNorm(width)

    def forward(self, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
        state = self.attention_norm(query + self.attention_dropout(self.attention(query, key, value, allowed)))
        if self.feed_forward is None:
            return state
        return self.feed_forward_norm(state + self.feed_forward(state))


class AKTNetwork(nn.Module):
    """The AKT network on a padded batch; returns one logit per (sequence, step)."""

    def __init__(
        self, *, representation: str, n_concepts: int, text_dim: int, n_items: int, width: int, heads: int, dropout: float, head_hidden: int
    ) -> None:
        super().__init__()
        self.n_items = n_items
        self.concepts = ConceptVectors(representation, n_concepts, text_dim, width)
        self.concept_variation = ConceptVectors(representation, n_concepts, text_dim, width)
        self.answers = InteractionEmbedding(representation, n_concepts, text_dim, width)
        self.answer_variation = InteractionEmbedding(representation, n_concepts, text_dim, width)
        # One difficulty per item seen in training, and a last row (kept at 0) for the rest.
        self.difficulty = nn.Embedding(n_items + 1, 1)
        nn.init.zeros_(self.difficulty.weight)
        self.question_encoder = AttentionBlock(width, heads, dropout, feed_forward=False)
        self.knowledge_encoder = AttentionBlock(width, heads, dropout, feed_forward=True)
        self.retriever = AttentionBlock(width, heads, dropout, feed_forward=True)
        self.head = nn.Sequential(
            nn.Linear(2 * width, head_hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(head_hidden, head_hidden // 2),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(head_hidden // 2, 1),
        )

    def item_difficulty(self, batch: SequenceBatch) -> torch.Tensor:
        """(batch, steps, 1): each step's item difficulty, 0 for items not seen in training."""
        known = torch.where(batch.item < self.n_items, batch.item, self.n_items)
        return self.difficulty(known) * (batch.item < self.n_items)[..., None]

    def forward(self, batch: SequenceBatch) -> torch.Tensor:
        difficulty = self.item_difficulty(batch)
        questions = self.concepts(batch) + difficulty * self.concept_variation(batch)
        answers = self.answers(batch) + difficulty * self.answer_variation(batch)
        steps = questions.shape[1]
        order = torch.arange(steps, device=questions.device)
        up_to_now = order[:, None] >= order[None, :]
        strictly_before = order[:, None] > order[None, :]
        knowledge = self.knowledge_encoder(answers, answers, answers, up_to_now)
        encoded = self.question_encoder(questions, questions, questions, up_to_now)
        retrieved = self.retriever(encoded, encoded, knowledge, strictly_before)
        return self.head(torch.cat([retrieved, questions], dim=-1)).squeeze(-1)


@register_model
class AKT(SequenceModel):
    """Context-aware attentive knowledge tracing; see the module docstring for the defaults."""

    name = "akt"
    default_hyperparameters = {
        **EVERY_WINDOW_TRAINING,
        "item_representation": "id",
        "width": 128,
        "heads": 8,
        "dropout": 0.05,
        "head_hidden": 256,
        "difficulty_l2": 1e-5,
        "learning_rate": 1e-3,
        "weight_decay": 0.0,
        "adam_beta2": 0.999,
        "batch_size": 24,
        "max_train_length": 200,
        "max_epochs": 100,
        "patience": 3,
        "min_improvement": 1e-4,
        "lr_decay": 0.3,
        "lr_decay_every": 0,
    }

    def _extra_sizes(self, train: StudyLogTable) -> dict[str, int]:
        return {"n_items": int(train.item.max()) + 1}

    def _build_network(self, n_concepts: int, text_dim: int, n_items: int = 0) -> nn.Module:
        hp = self.hyperparameters
        return AKTNetwork(
            representation=hp["item_representation"],
            n_concepts=n_concepts,
            text_dim=text_dim,
            n_items=n_items,
            width=hp["width"],
            heads=hp["heads"],
            dropout=hp["dropout"],
            head_hidden=hp["head_hidden"],
        )

    def _prediction_spans(self, table: StudyLogTable) -> tuple[np.ndarray, np.ndarray]:
        """Windows of the training length: attention costs the square of a span, and a review log has thousands of steps.

        A learner no longer than a training window is read whole. A longer one is read in
        windows of that length that advance by half of it: the first window predicts all
        its steps, each later one only its second half, with the first half as context, so
        every step is predicted from at least half a window of the steps just before it.
        """
        window = self.hyperparameters["max_train_length"]
        if window is None:
            return super()._prediction_spans(table)
        stride = max(1, window // 2)
        spans, context = [], []
        for start, end in learner_spans(table):
            spans.append((start, min(end, start + window)))
            context.append(0)
            for predicted_from in range(start + window, end, stride):
                spans.append((predicted_from - (window - stride), min(end, predicted_from + stride)))
                context.append(window - stride)
        return np.array(spans, dtype=np.int64).reshape(-1, 2), np.array(context, dtype=np.int64)

    def _penalty(self, batch: SequenceBatch) -> torch.Tensor:
        """The Rasch difficulties' L2 penalty, per answered step of the batch."""
        difficulty = self.network.item_difficulty(batch)[batch.mask]
        return self.hyperparameters["difficulty_l2"] * difficulty.square().sum() / max(int(batch.mask.sum()), 1)
