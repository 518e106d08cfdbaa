"""CAKT (Yang, Zhu and Lu, "Deep Knowledge Tracing with Learning Curves"), fast on CPU.

The model predicts a learner's answer at step t from two views of the earlier steps:

- an LSTM over every earlier (concept, answer) embedding: the overall knowledge state;
- the learning curve on the concept asked at step t: the k latest earlier interactions
  with that same concept, each H*H embedding reshaped into an H x H frame and weighted by
  exp(-rate * steps since), stacked oldest first (zero frames in front when there are
  fewer than k) into a k x H x H volume, passed through residual 3D-conv blocks with
  squeeze-excitation over the frames, and averaged over frames into H*H features.

Two learned sigmoid gates mix the views, a second LSTM runs over the mixture, and the
state is read out at the asked concept. Only the identity of step t's concept enters
its prediction, never its answer. The defaults are the paper's; the three settings
beyond it that a figure supports (dropout, the history LSTM's own embedding and its own
head) and why each exists, how the conv tower is made fast, and the experiments that
chose them are in ``docs/models/cakt.md``. Six further settings were tried and removed
in issue 31 (none improved a figure): they are in git history.
"""

from __future__ import annotations

import contextlib
import math

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

from knowledge_tracing.models.base import register_model
from knowledge_tracing.models.cakt_tower import LearningCurveTower
from knowledge_tracing.models.sequences import (
    EVERY_WINDOW_TRAINING,
    ConceptReadout,
    InteractionEmbedding,
    SequenceBatch,
    SequenceModel,
    shift_right,
)

def previous_same_concept(concept: torch.Tensor, mask: torch.Tensor, k: int) -> torch.Tensor:
    """For each (sequence, step), the flat positions of its k latest earlier same-concept steps.

    Returns (batch * steps, k) int64, most recent first, -1 where there are fewer.
    Padding steps never count as earlier steps of a real one (they come after it).
    """
    batch, steps = concept.shape
    flat_concept = torch.where(mask, concept, -1).reshape(-1) + 1
    sequence = torch.arange(batch, device=concept.device).repeat_interleave(steps)
    step = torch.arange(steps, device=concept.device).repeat(batch)
    group = sequence * (int(flat_concept.max()) + 1) + flat_concept
    order = torch.argsort(group * steps + step)
    same_as_before = torch.zeros_like(order, dtype=torch.bool)
    same_as_before[1:] = group[order[1:]] == group[order[:-1]]
    previous_in_order = torch.where(same_as_before, torch.roll(order, 1), -1)
    previous = torch.empty_like(order).scatter_(0, order, previous_in_order)
    previous = torch.where(mask.reshape(-1) & (previous >= 0), previous, -1)
    lags = [previous]
    lookup = torch.cat([previous, previous.new_full((1,), -1)])
    for _ in range(k - 1):
        lags.append(lookup[lags[-1]])
    return torch.stack(lags, dim=1)


def gather_volumes(flat: torch.Tensor, sources: torch.Tensor, targets: torch.Tensor, rate: torch.Tensor, frame_size: int) -> torch.Tensor:
    """(n, k, H, H) volumes: frames oldest first, each weighted by exp(-rate * steps since).

    ``flat`` holds one embedding per flat position plus a final zero row; ``sources``
    are the (n, k) earlier positions, most recent first, -1 for none (a zero frame);
    ``targets`` the (n,) positions being predicted.
    """
    sources = sources.flip(1)
    distance = (targets[:, None] - sources).clamp(min=0).to(flat.dtype)
    weight = torch.exp(-rate * distance) * (sources >= 0)
    frames = flat[sources] * weight[..., None]
    return frames.reshape(len(sources), sources.shape[1], frame_size, frame_size)


def optional_dropout(probability: float) -> nn.Module:
    """Dropout, or the identity at 0, so that the paper's configuration draws no random numbers for it."""
    return nn.Dropout(probability) if probability else nn.Identity()


class CAKTNetwork(nn.Module):
    """The CAKT network on a padded batch; returns one logit per (sequence, step)."""

    def __init__(
        self,
        *,
        representation: str,
        n_concepts: int,
        text_dim: int,
        frames: int,
        frame_size: int,
        conv_chunk: int,
        dropout: float = 0.0,
        history_embedding: bool = False,
        history_head: bool = False,
    ) -> None:
        super().__init__()
        self.frames = frames
        self.frame_size = frame_size
        self.conv_chunk = conv_chunk
        hidden = frame_size * frame_size
        self.interactions = InteractionEmbedding(representation, n_concepts, text_dim, hidden, init_std=1.0)
        self.history_interactions = InteractionEmbedding(representation, n_concepts, text_dim, hidden) if history_embedding else None
        self.start = nn.Parameter(torch.zeros(hidden))
        self.decay_rate = nn.Parameter(torch.tensor(math.log(math.e - 1.0)))
        self.history_lstm = nn.LSTM(hidden, hidden, batch_first=True)
        self.tower = LearningCurveTower(frames)
        self.curve_gate = nn.Linear(2 * hidden, hidden)
        self.history_gate = nn.Linear(2 * hidden, hidden)
        self.fused_lstm = nn.LSTM(hidden, hidden, batch_first=True)
        self.dropout = optional_dropout(dropout)
        self.readout = ConceptReadout(representation, n_concepts, text_dim, hidden)
        self.history_head = ConceptReadout(representation, n_concepts, text_dim, hidden) if history_head else None

    def forward(self, batch: SequenceBatch) -> torch.Tensor:
        heads = self.head_logits(batch)
        return heads[0] if len(heads) == 1 else torch.stack(heads).mean(dim=0)

    def head_logits(self, batch: SequenceBatch) -> list[torch.Tensor]:
        """The fused read-out's logits and, with ``history_head``, the history LSTM's own read-out's.

        Training scores each head on its own, so the history head learns to predict
        alone, as DKT does, rather than only what the fused path leaves over; the model
        predicts with the mean of the heads' logits.
        """
        interactions = self.interactions(batch)
        history_input = interactions if self.history_interactions is None else self.history_interactions(batch)
        history = self.history_states(history_input)
        heads = [self.fused_logits(history, interactions, batch)]
        if self.history_head is not None:
            heads.append(self.history_head(self.dropout(history), batch))
        return heads

    def history_states(self, history_input: torch.Tensor) -> torch.Tensor:
        """The history LSTM's state before each step: it has read every earlier interaction, never the step's own."""
        history, _ = self.history_lstm(shift_right(history_input, self.start))
        return history

    def fused_logits(self, history: torch.Tensor, curve_input: torch.Tensor, batch: SequenceBatch) -> torch.Tensor:
        """The fused path's logits: the gated mixture of the history states and the learning-curve features, through the second LSTM.

        The curve features are computed here from ``curve_input``, which is the history
        LSTM's input too unless ``history_embedding`` gives the history view its own;
        separate arguments also let a test measure the gradient each view sends into a
        shared embedding apart.
        """
        curve = self.learning_curve_features(curve_input, batch)
        both = torch.cat([curve, history], dim=-1)
        fused = torch.sigmoid(self.curve_gate(both)) * curve + torch.sigmoid(self.history_gate(both)) * history
        state, _ = self.fused_lstm(fused)
        return self.readout(self.dropout(state), batch)

    def learning_curve_features(self, interactions: torch.Tensor, batch: SequenceBatch) -> torch.Tensor:
        """(batch, steps, H*H): the conv tower's output on each step's same-concept volume."""
        batch_size, steps, hidden = interactions.shape
        earlier = previous_same_concept(batch.concept, batch.mask, self.frames)
        has_volume = earlier[:, 0] >= 0
        # Row 0 is the all-empty volume shared by every step without an earlier same-concept step.
        volume_sources = torch.cat([earlier.new_full((1, self.frames), -1), earlier[has_volume]])
        targets = torch.cat([earlier.new_zeros(1), torch.nonzero(has_volume).squeeze(1)])
        volume_index = torch.zeros(batch_size * steps, dtype=torch.long, device=earlier.device)
        volume_index[has_volume] = torch.arange(1, len(volume_sources), device=earlier.device)
        flat = torch.cat([interactions.reshape(-1, hidden), interactions.new_zeros(1, hidden)])
        outputs = [
            self._tower_chunk(flat, volume_sources[start : start + self.conv_chunk], targets[start : start + self.conv_chunk])
            for start in range(0, len(volume_sources), self.conv_chunk)
        ]
        return torch.cat(outputs)[volume_index].reshape(batch_size, steps, hidden)

    def _tower_chunk(self, flat: torch.Tensor, sources: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        if not (self.training and torch.is_grad_enabled()):
            return self._convolve(flat, sources, targets)
        return checkpoint(
            self._convolve,
            flat,
            sources,
            targets,
            use_reentrant=False,
            context_fn=lambda: (contextlib.nullcontext(), self.tower.running_statistics_frozen()),
        )

    def _convolve(self, flat: torch.Tensor, sources: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        rate = nn.functional.softplus(self.decay_rate)
        return self.tower(gather_volumes(flat, sources, targets, rate, self.frame_size))


@register_model
class CAKT(SequenceModel):
    """Convolution-augmented knowledge tracing; defaults are the paper's and its reference code's.

    k=4 frames of H=15, batch 80, Adam (betas 0.9 and 0.99) at 1e-3 with weight decay
    1e-5, the rate times 0.3 every 5 epochs. Patience is one decay period, so that a
    stall always sees a lower rate before training stops.
    """

    name = "cakt"
    default_hyperparameters = {
        **EVERY_WINDOW_TRAINING,
        "item_representation": "id",
        "frames": 4,
        "frame_size": 15,
        "learning_rate": 1e-3,
        "weight_decay": 1e-5,
        "batch_size": 80,
        "max_train_length": 200,
        "max_epochs": 100,
        "patience": 5,
        "min_improvement": 1e-4,
        "lr_decay": 0.3,
        "lr_decay_every": 5,
        "adam_beta2": 0.99,
        "conv_chunk": 512,
        "dropout": 0.0,
        "history_embedding": False,
        "history_head": False,
    }

    def _build_network(self, n_concepts: int, text_dim: int) -> nn.Module:
        hp = self.hyperparameters
        return CAKTNetwork(
            representation=hp["item_representation"],
            n_concepts=n_concepts,
            text_dim=text_dim,
            frames=hp["frames"],
            frame_size=hp["frame_size"],
            conv_chunk=hp["conv_chunk"],
            dropout=hp["dropout"],
            history_embedding=hp["history_embedding"],
            history_head=hp["history_head"],
        )

    def _training_logits(self, batch: SequenceBatch) -> list[torch.Tensor]:
        return self.network.head_logits(batch)
