"""GRU: the open spaced-repetition benchmark's small recurrent model over one card's review history.

Written from the benchmark's description and ``models/gru.py``. Each review of a card
is read as the log of the days since the card's previous review (with fractions,
standardised on the training rows; 0 for the first review) and its grade one-hot; a
linear layer with SiLU and layer norm, a GRU of 7 units and another such layer turn the
reviews so far into a mixture of two power-law forgetting curves,

    R(t) = sum_k w_k (1 + t / s_k) ** -d_k,

with weights w from a softmax and positive s and d from exponentials. The prediction
for a review is that curve at the time since the previous one: the model sees only the
card's own earlier reviews, never other cards or the review's answer. A card's first
review gets the training rows' first-sighting recall rate, as for FSRS.

The benchmark pre-trains the network on other users and then fits it to each; here it
is fitted from scratch on the training rows (one network for the table; each
``evaluate --data`` file is one learner) with Adam, keeping the epoch with the best
log loss on the validation rows (each scored with the history before it) and stopping
after ``patience`` epochs without progress.
"""

from __future__ import annotations

import copy
import time

import numpy as np
import torch
from torch import nn

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.history.fsrs_memory import grades_of
from knowledge_tracing.history.pairs import PairRanks, earlier_count, pair_keys
from knowledge_tracing.metrics import log_loss
from knowledge_tracing.models.base import FitReport, StudentModel, register_model
from knowledge_tracing.models.history_model import selection_split
from knowledge_tracing.models.repeat_reviews import first_sighting_rate, with_first_sightings

SECONDS_PER_DAY = 86_400.0


class CurveGRU(nn.Module):
    """Reviews so far -> the parameters of a mixture of two forgetting curves, after every review."""

    def __init__(self, hidden: int = 7, curves: int = 2) -> None:
        super().__init__()
        self.register_buffer("delay_mean", torch.tensor(0.0))
        self.register_buffer("delay_std", torch.tensor(1.0))
        self.encode = nn.Sequential(nn.Linear(5, hidden), nn.SiLU(), nn.LayerNorm(hidden, bias=False))
        self.gru = nn.GRU(hidden, hidden, batch_first=True)
        self.decode = nn.Sequential(
            nn.LayerNorm(hidden, bias=False), nn.Linear(hidden, hidden), nn.SiLU(), nn.LayerNorm(hidden, bias=False)
        )
        self.weight_head = nn.Linear(hidden, curves)
        self.stability_head = nn.Linear(hidden, curves)
        self.decay_head = nn.Linear(hidden, curves)
        for name, parameter in self.gru.named_parameters():
            if name.startswith("weight"):
                nn.init.orthogonal_(parameter)

    def forward(self, delay_days: torch.Tensor, grade: torch.Tensor):
        """(batch, steps) delays and grades -> mixture weights, stabilities and decays after each step."""
        delay = (torch.log(1e-5 + delay_days) - self.delay_mean) / self.delay_std
        features = torch.cat([delay[..., None], nn.functional.one_hot(grade - 1, 4).to(delay.dtype)], dim=-1)
        state, _ = self.gru(self.encode(features))
        state = self.decode(state)
        weights = torch.softmax(self.weight_head(state), dim=-1)
        stability = torch.exp(self.stability_head(state).clamp(-25, 25))
        decay = torch.exp(self.decay_head(state).clamp(-25, 25))
        return weights, stability, decay


def recall(weights, stability, decay, elapsed_days) -> torch.Tensor:
    """The curve mixture at ``elapsed_days`` (broadcast over the curves)."""
    return (1 - 1e-7) * (weights * (1 + elapsed_days[..., None] / (1e-7 + stability)) ** -decay).sum(-1)


class CardSequences:
    """A table's learner-card pairs as padded (pairs, steps) arrays, for the GRU and back to rows."""

    def __init__(self, table: StudyLogTable) -> None:
        ranks = PairRanks.of(pair_keys(table), times=table.time)
        order = ranks.order
        starts = np.flatnonzero(ranks.rank[order] == 0)
        lengths = np.diff(np.r_[starts, len(order)])
        self.rows = np.full((len(starts), int(lengths.max()) if len(lengths) else 0), -1, dtype=np.int64)
        step = np.arange(len(order)) - np.repeat(starts, lengths)
        self.rows[np.repeat(np.arange(len(starts)), lengths), step] = order
        real = self.rows >= 0
        safe = np.where(real, self.rows, 0)
        previous_time = np.concatenate([table.time[safe[:, :1]], table.time[safe[:, :-1]]], axis=1)
        delay = np.where(real, np.maximum(table.time[safe] - previous_time, 0.0) / SECONDS_PER_DAY, 0.0)
        self.delay_days = torch.from_numpy(delay)
        self.grade = torch.from_numpy(np.where(real, grades_of(table)[safe], 1))
        self.outcome = torch.from_numpy(np.where(real, table.outcome[safe], 0).astype(np.float64))
        self.lengths = lengths

    def batches(self, size: int, rng: np.random.Generator | None = None):
        """Index arrays of at most ``size`` pairs of similar length (shuffled with ``rng``)."""
        order = np.argsort(self.lengths, kind="stable")
        groups = [order[start : start + size] for start in range(0, len(order), size)]
        if rng is not None:
            groups = [groups[index] for index in rng.permutation(len(groups))]
        return groups


def _recall_of_steps(network: CurveGRU, sequences: CardSequences, pairs: np.ndarray) -> torch.Tensor:
    """(pairs, steps - 1): predicted recall of each pair's second and later reviews, from the reviews before."""
    width = int(sequences.lengths[pairs].max())
    delay = sequences.delay_days[pairs, :width].float()
    weights, stability, decay = network(delay, sequences.grade[pairs, :width])
    return recall(weights[:, :-1], stability[:, :-1], decay[:, :-1], delay[:, 1:])


@register_model
class GRUModel(StudentModel):
    """The benchmark's GRU forgetting-curve model, fitted on the training rows (defaults in the module docstring)."""

    name = "gru"
    requires_timestamps = True
    default_hyperparameters = {
        "learning_rate": 1e-2,
        "batch_size": 256,
        "max_epochs": 40,
        "patience": 4,
        "weight_decay": 0.0,
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.network = CurveGRU()
        self.first_rate = 0.5

    def fit(self, train: StudyLogTable, valid: StudyLogTable | None = None, *, progress=None) -> FitReport:
        hp = self.hyperparameters
        started = time.perf_counter()
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        split = selection_split(train, valid, 0.1) if valid is not None and len(valid) else None
        self.first_rate = first_sighting_rate(train, earlier_count(train, np.ones(len(train), bool)))
        self.network = CurveGRU()
        sequences = CardSequences(train)
        repeat = sequences.rows[:, 1:] >= 0
        log_delay = torch.log(1e-5 + sequences.delay_days[:, 1:][torch.from_numpy(repeat)])
        if len(log_delay) > 1:
            self.network.delay_mean.fill_(float(log_delay.mean()))
            self.network.delay_std.fill_(max(float(log_delay.std()), 1e-3))
        optimizer = torch.optim.Adam(self.network.parameters(), lr=hp["learning_rate"], weight_decay=hp["weight_decay"])
        report, best_loss, best_state = FitReport(), np.inf, copy.deepcopy(self.network.state_dict())
        for epoch in range(1, hp["max_epochs"] + 1):
            loss = self._train_epoch(sequences, optimizer, rng)
            record = {"epoch": epoch, "loss": loss, "seconds": time.perf_counter() - started}
            if split is not None:
                predicted = self.predict_proba(split.table)[split.valid_rows]
                record["valid_log_loss"] = log_loss(split.table.outcome[split.valid_rows], predicted)
            report.epochs.append(record)
            if progress is not None:
                progress(record)
            score = record.get("valid_log_loss", -epoch)
            if score < best_loss:
                best_loss, best_state, report.best_epoch = score, copy.deepcopy(self.network.state_dict()), epoch
            elif epoch - report.best_epoch >= hp["patience"]:
                break
        self.network.load_state_dict(best_state)
        report.train_seconds = time.perf_counter() - started
        return report

    def _train_epoch(self, sequences: CardSequences, optimizer, rng) -> float:
        self.network.train()
        total, count = 0.0, 0
        for pairs in sequences.batches(self.hyperparameters["batch_size"], rng):
            pairs = pairs[sequences.lengths[pairs] > 1]
            if len(pairs) == 0:
                continue
            predicted = _recall_of_steps(self.network, sequences, pairs).clamp(1e-4, 1 - 1e-4)
            width = predicted.shape[1] + 1
            mask = torch.from_numpy(sequences.rows[pairs, 1:width] >= 0)
            loss = nn.functional.binary_cross_entropy(predicted[mask], sequences.outcome[pairs, 1:width][mask].float())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * int(mask.sum())
            count += int(mask.sum())
        return total / max(count, 1)

    @torch.no_grad()
    def predict_proba(self, table: StudyLogTable) -> np.ndarray:
        self.network.eval()
        sequences = CardSequences(table)
        predicted = np.zeros(len(table))
        for pairs in sequences.batches(4096):
            pairs = pairs[sequences.lengths[pairs] > 1]
            if len(pairs) == 0:
                continue
            steps = _recall_of_steps(self.network, sequences, pairs).double().numpy()
            rows = sequences.rows[pairs, 1 : steps.shape[1] + 1]
            predicted[rows[rows >= 0]] = steps[rows >= 0]
        review_count = earlier_count(table, np.ones(len(table), bool))
        return with_first_sightings(review_count, predicted, self.first_rate)

    def _state(self) -> dict:
        return {"weights": self.network.state_dict(), "first_rate": self.first_rate}

    def _restore(self, state: dict) -> None:
        self.network = CurveGRU()
        self.network.load_state_dict(state["weights"])
        self.first_rate = float(state["first_rate"])
