"""Learner sequences as padded batches, and the training loop shared by DKT and CAKT.

Both recurrent models read a learner's rows in order and predict each row from the
rows before it. This module cuts a table into per-learner spans, optionally into
training windows of bounded length (the reference implementations train on windows
of 200 steps), groups spans of similar length into batches so that little time is
spent on padding, and turns each batch into (batch, steps) tensors. ``SequenceModel``
then owns what the two models have in common: the epoch loop with early stopping on
validation AUC, prediction, and saving.
"""

from __future__ import annotations

import copy
import time
from abc import abstractmethod
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import torch
from torch import nn

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.memory import release_free_memory
from knowledge_tracing.metrics import auc
from knowledge_tracing.models.base import FitReport, ProgressCallback, StudentModel

ITEM_REPRESENTATIONS = ("id", "text")


@dataclass
class SequenceBatch:
    """A batch of learner spans padded to the longest one.

    ``rows`` maps each (sequence, step) to its row in the table (-1 on padding);
    the tensors hold 0 on padding and ``mask`` tells real steps apart. ``predicted``
    marks the real steps whose prediction is wanted (all of them, unless a span's
    first steps are only context for the rest).
    """

    rows: np.ndarray
    mask: torch.Tensor
    concept: torch.Tensor
    outcome: torch.Tensor
    item_vectors: torch.Tensor | None
    item: torch.Tensor | None = None
    predicted: np.ndarray | None = None

    @property
    def real_rows(self) -> np.ndarray:
        return self.rows[self.rows >= 0]


def learner_spans(table: StudyLogTable, max_length: int | None = None, max_pieces: int | None = None) -> np.ndarray:
    """(start, end) row ranges of each learner, cut into pieces of at most ``max_length``; the last ``max_pieces`` of each."""
    bounds = table.learner_boundaries()
    starts, ends = bounds[:-1], bounds[1:]
    if max_length is None:
        return np.stack([starts, ends], axis=1)
    pieces = np.maximum(1, -(-(ends - starts) // max_length))
    position = _positions_within_groups(pieces)
    piece_starts = np.repeat(starts, pieces) + max_length * position
    piece_ends = np.minimum(piece_starts + max_length, np.repeat(ends, pieces))
    kept = slice(None) if max_pieces is None else position >= np.repeat(pieces, pieces) - max_pieces
    return np.stack([piece_starts[kept], piece_ends[kept]], axis=1)


EARLY_STOPPING = {"validation_learners": 200, "validation_fraction": 0.1, "max_train_seconds": 0.0}
"""Hyper-parameters that end a sequence model's training: a fixed validation sample, and a time budget (0: none)."""
WINDOWED_TRAINING = {"max_windows_per_learner": 8, **EARLY_STOPPING}
"""The same, and an epoch that reads a bounded number of windows a learner, so it stops growing with history."""
EVERY_WINDOW_TRAINING = {"max_windows_per_learner": 0, **EARLY_STOPPING}
"""Every window of every learner (CAKT, AKT: the 3D convolution and the attention read far back, and the papers'
figures were made on whole histories); early stopping and the time budget as above."""


@dataclass(frozen=True)
class ValidationView:
    """Rows to validate on (``rows`` of ``table``), predicted with the earlier rows of ``table`` as their history."""

    table: StudyLogTable
    rows: np.ndarray


def validation_sample(train: StudyLogTable, *, learners: int, fraction: float, seed: int) -> tuple[StudyLogTable, ValidationView | None]:
    """Hold out the newest ``fraction`` of the rows of a fixed sample of ``learners`` learners, for early stopping.

    Without a validation table a model could not stop early and trained every epoch of
    its cap. A fixed sample (chosen by ``seed``, the same every epoch) keeps the cost of
    validating independent of the log size; its learners' earlier rows stay in
    training and are the history their held-out rows are predicted from.
    """
    ids = np.unique(train.learner)
    if not learners or not fraction or len(ids) < 2:
        return train, None
    chosen = np.random.default_rng(seed).choice(ids, size=min(learners, len(ids)), replace=False)
    sampled = np.isin(train.learner, chosen)
    bounds = train.learner_boundaries()
    lengths = np.repeat(np.diff(bounds), np.diff(bounds))
    tail = sampled & (train.learner_positions() >= np.ceil(lengths * (1.0 - fraction))) & (lengths >= 2)
    if not tail.any():
        return train, None
    return train.take(~tail), ValidationView(train.take(sampled), tail[sampled])


def iterate_batches(
    table: StudyLogTable,
    batch_size: int,
    *,
    max_length: int | None = None,
    rng: np.random.Generator | None = None,
    with_item_vectors: bool = False,
    max_padded_steps: int | None = None,
    spans: np.ndarray | None = None,
    context: np.ndarray | None = None,
) -> Iterator[SequenceBatch]:
    """Batches of spans of similar length; with ``rng``, spans and batch order are shuffled.

    Sorting by length makes a batch's padding small; shuffling before the stable sort
    breaks ties differently each epoch, and shuffling the batch order keeps training
    from seeing lengths in a fixed progression. ``max_padded_steps`` caps a batch's
    spans times its longest span (never below one span): without training windows a
    few learners have thousands of steps, and 80 of them in one batch would need
    gigabytes. Given ``spans`` (start, end, and with ``context`` how many of each
    span's first steps are context only), those are batched instead of the learners'.
    """
    if spans is None:
        spans = learner_spans(table, max_length)
    spans = np.column_stack([spans, np.zeros(len(spans), np.int64) if context is None else context])
    if rng is not None:
        spans = spans[rng.permutation(len(spans))]
    spans = spans[np.argsort(spans[:, 1] - spans[:, 0], kind="stable")]
    groups = _group_sorted_spans(spans, batch_size, max_padded_steps)
    if rng is not None:
        groups = [groups[index] for index in rng.permutation(len(groups))]
    for group in groups:
        yield _pad(table, group, with_item_vectors)


def _group_sorted_spans(spans: np.ndarray, batch_size: int, max_padded_steps: int | None) -> list[np.ndarray]:
    """Consecutive groups of spans sorted by length, each within the size and padding caps."""
    groups, start = [], 0
    while start < len(spans):
        end = min(start + batch_size, len(spans))
        if max_padded_steps is not None:
            while end - start > 1 and (end - start) * int(spans[end - 1, 1] - spans[end - 1, 0]) > max_padded_steps:
                end -= 1
        groups.append(spans[start:end])
        start = end
    return groups


def _pad(table: StudyLogTable, spans: np.ndarray, with_item_vectors: bool) -> SequenceBatch:
    lengths = spans[:, 1] - spans[:, 0]
    steps = np.arange(int(lengths.max()))
    real = steps[None, :] < lengths[:, None]
    rows = np.where(real, spans[:, :1] + steps[None, :], -1)
    predicted = real & (steps[None, :] >= spans[:, 2:3])
    safe_rows = np.where(real, rows, 0)
    item_vectors = None
    if with_item_vectors:
        vectors = torch.from_numpy(table.item_embeddings[table.item[safe_rows]])
        item_vectors = vectors * torch.from_numpy(real)[..., None]
    return SequenceBatch(
        rows=rows,
        mask=torch.from_numpy(real),
        concept=torch.from_numpy(np.where(real, table.concept[safe_rows], 0)),
        outcome=torch.from_numpy(np.where(real, table.outcome[safe_rows], 0).astype(np.int64)),
        item_vectors=item_vectors,
        item=torch.from_numpy(np.where(real, table.item[safe_rows], 0)),
        predicted=predicted,
    )


def _positions_within_groups(group_sizes: np.ndarray) -> np.ndarray:
    """0, 1, ..., size-1 for each group, concatenated."""
    offsets = np.repeat(np.cumsum(group_sizes) - group_sizes, group_sizes)
    return np.arange(int(group_sizes.sum())) - offsets


class ConceptVectors(nn.Module):
    """One vector per row for the row's concept: a learned id embedding, or projected text.

    Concept ids from 0 to ``n_concepts - 1`` have their own vector; any larger id (a
    concept first met after training) shares one extra vector. With text the vector is
    a linear map of the item's (unit-length) text embedding, so unseen concepts get a
    vector from what they say. By default id vectors start with unit expected norm, like
    a linear layer's rows, so that initial logits are moderate; ``init_std`` instead
    starts every component (id or projected text) with that standard deviation.
    """

    def __init__(self, representation: str, n_concepts: int, text_dim: int, out_dim: int, init_std: float | None = None) -> None:
        super().__init__()
        if representation not in ITEM_REPRESENTATIONS:
            raise ValueError(f"item_representation must be one of {ITEM_REPRESENTATIONS}, got {representation!r}")
        self.representation = representation
        self.n_concepts = n_concepts
        if representation == "id":
            self.table = nn.Embedding(n_concepts + 1, out_dim)
            nn.init.normal_(self.table.weight, std=out_dim**-0.5 if init_std is None else init_std)
        else:
            self.projection = nn.Linear(text_dim, out_dim)
            if init_std is not None:
                nn.init.normal_(self.projection.weight, std=init_std)

    def forward(self, batch: SequenceBatch) -> torch.Tensor:
        if self.representation == "id":
            return self.table(self.known_concepts(batch.concept))
        return self.projection(batch.item_vectors)

    def known_concepts(self, concept: torch.Tensor) -> torch.Tensor:
        """Concept ids with every id unseen in training mapped to the shared extra row."""
        return torch.where(concept < self.n_concepts, concept, self.n_concepts)


class InteractionEmbedding(nn.Module):
    """An embedding of each (concept, answer) pair, the input of the recurrent models.

    With ids this is one vector per (concept, answer), i.e. the one-hot encoding of DKT
    times a learned matrix; with text, one projection of the text per answer.
    """

    def __init__(self, representation: str, n_concepts: int, text_dim: int, out_dim: int, init_std: float | None = None) -> None:
        super().__init__()
        self.out_dim = out_dim
        self.per_answer = ConceptVectors(representation, n_concepts, text_dim, 2 * out_dim, init_std)

    def forward(self, batch: SequenceBatch) -> torch.Tensor:
        both = self.per_answer(batch).unflatten(-1, (2, self.out_dim))
        chosen = torch.gather(both, -2, batch.outcome[..., None, None].expand(*batch.outcome.shape, 1, self.out_dim))
        return chosen.squeeze(-2) * batch.mask[..., None]


class ConceptReadout(nn.Module):
    """Logit that the next answer is right: the state dotted with the asked concept's vector.

    With ids this equals DKT's output layer (one logit per concept) read at the asked
    concept; with text the weight row comes from the concept's text.
    """

    def __init__(self, representation: str, n_concepts: int, text_dim: int, state_dim: int) -> None:
        super().__init__()
        self.state_dim = state_dim
        self.rows = ConceptVectors(representation, n_concepts, text_dim, state_dim + 1)

    def forward(self, state: torch.Tensor, batch: SequenceBatch) -> torch.Tensor:
        weights, bias = self.rows(batch).split((self.state_dim, 1), dim=-1)
        return (state * weights).sum(-1) + bias.squeeze(-1)


def shift_right(sequence: torch.Tensor, start: torch.Tensor) -> torch.Tensor:
    """Step t gets step t-1's vector and step 0 gets ``start``: the input for predicting step t."""
    first = start.expand(sequence.shape[0], 1, sequence.shape[-1])
    return torch.cat([first, sequence[:, :-1]], dim=1)


class SequenceModel(StudentModel):
    """Shared fit / predict / save for models that map a padded batch to one logit per step.

    Subclasses build the network (``_build_network``) from the training table's sizes.
    Training minimises binary cross-entropy with Adam (second-moment decay
    ``adam_beta2``), keeps the weights of the last epoch that made progress and stops
    after ``patience`` epochs without it, where progress is a validation AUC at least
    ``min_improvement`` above the best so far: gains in the fifth decimal, which
    a decayed learning rate keeps making, would otherwise reset patience for dozens of
    epochs that change nothing. The learning rate is multiplied
    by ``lr_decay`` (1.0 keeps it constant) either after each epoch without progress
    (``lr_decay_every`` 0: a model that has stopped improving at the initial rate often
    still improves at a lower one) or on a fixed step schedule, every ``lr_decay_every``
    epochs (the reference CAKT implementation: times 0.3 every 5 epochs).
    Patience is what stops training: ``max_epochs`` (100 for DKT and CAKT) is a cap
    that only keeps a run that never stops improving finite, and the fit report says
    how many epochs ran. Without a validation table, the newest ``validation_fraction``
    of the rows of a fixed sample of ``validation_learners`` learners validate
    (``validation_sample``; 0 turns it off); with no validation rows at all (or where AUC
    is undefined) it trains ``max_epochs`` and keeps the last weights. An epoch trains on
    the most recent ``max_windows_per_learner`` windows of ``max_train_length`` steps of
    each learner (0 or None: every window), so an epoch's time and a batch's memory stop
    growing with a learner's history; the table itself is the only thing that grows.
    ``max_train_seconds`` (0: none) is a time budget: once training has run that long,
    the epoch under way ends after its current batch, is validated like any other, and
    training stops there with the best epoch's weights (``FitReport.stopped_by``), so a
    run over more logs than its budget allows still ends with a validated model.
    """

    network: nn.Module | None = None
    reads_time = False  # steps, not times: a prediction is for the next answer, whenever it comes

    @abstractmethod
    def _build_network(self, n_concepts: int, text_dim: int) -> nn.Module:
        """The network for concepts 0..n_concepts-1 and text vectors of ``text_dim``."""

    @property
    def _uses_text(self) -> bool:
        return self.hyperparameters["item_representation"] == "text"

    def _seed(self) -> None:
        torch.manual_seed(self.seed)
        np.random.seed(self.seed)

    def fit(self, train: StudyLogTable, valid: StudyLogTable | None = None, *, progress: ProgressCallback | None = None) -> FitReport:
        hp = self.hyperparameters
        self._check_table(train)
        self._seed()
        started = time.perf_counter()
        text_dim = 0 if train.item_embeddings is None else train.item_embeddings.shape[1]
        self._network_sizes = {"n_concepts": int(train.concept.max()) + 1, "text_dim": int(text_dim), **self._extra_sizes(train)}
        self.network = self._build_network(**self._network_sizes).to(self.device)
        optimizer = torch.optim.Adam(
            self.network.parameters(),
            lr=hp["learning_rate"],
            weight_decay=hp["weight_decay"],
            betas=(0.9, hp["adam_beta2"]),
        )
        rng = np.random.default_rng(self.seed)
        if valid is not None:
            validation = ValidationView(valid, np.ones(len(valid), bool)) if len(valid) else None
        else:
            train, validation = validation_sample(
                train, learners=hp["validation_learners"], fraction=hp["validation_fraction"], seed=self.seed
            )
        report = FitReport(stopped_by="max_epochs")
        deadline = started + hp["max_train_seconds"] if hp["max_train_seconds"] else None
        best_auc, best_state, stale = -np.inf, None, 0
        for epoch in range(1, hp["max_epochs"] + 1):
            learning_rate = optimizer.param_groups[0]["lr"]
            loss, out_of_time = self._train_epoch(train, optimizer, rng, deadline)
            record = {"epoch": epoch, "loss": loss, "learning_rate": learning_rate, "seconds": time.perf_counter() - started}
            if out_of_time:
                record["partial"] = True
            if validation is not None:
                predicted = self.predict_proba(validation.table)[validation.rows]
                record["valid_auc"] = auc(validation.table.outcome[validation.rows], predicted)
            report.epochs.append(record)
            if progress is not None:
                progress(record)
            score = record.get("valid_auc", np.nan)
            score = epoch if np.isnan(score) else score
            decay_every = hp["lr_decay_every"]
            if score >= best_auc + hp["min_improvement"]:
                best_auc, best_state, stale = score, copy.deepcopy(self.network.state_dict()), 0
                report.best_epoch = epoch
            else:
                stale += 1
                if stale >= hp["patience"]:
                    report.stopped_by = "patience"
                    break
            if out_of_time:
                report.stopped_by = "time budget"
                break
            if (decay_every and epoch % decay_every == 0) or (not decay_every and stale):
                for group in optimizer.param_groups:
                    group["lr"] *= hp["lr_decay"]
        self.network.load_state_dict(best_state)
        report.train_seconds = time.perf_counter() - started
        return report

    def _train_epoch(
        self, train: StudyLogTable, optimizer: torch.optim.Optimizer, rng: np.random.Generator, deadline: float | None
    ) -> tuple[float, bool]:
        """One pass over the training windows: (mean loss, whether it ended early, after the batch that passed ``deadline``).

        ``deadline`` is a ``time.perf_counter()`` moment, or None for no time budget.
        """
        hp = self.hyperparameters
        self.network.train()
        total_loss, total_rows = 0.0, 0
        spans = learner_spans(train, hp["max_train_length"], hp["max_windows_per_learner"] or None)
        for batch in iterate_batches(train, hp["batch_size"], rng=rng, with_item_vectors=self._uses_text, spans=spans):
            loss, rows = self._train_step(batch, optimizer)
            total_loss += loss * rows
            total_rows += rows
            if deadline is not None and time.perf_counter() >= deadline:
                return total_loss / max(total_rows, 1), True
        return total_loss / max(total_rows, 1), False

    def _train_step(self, batch: SequenceBatch, optimizer: torch.optim.Optimizer) -> tuple[float, int]:
        """One optimiser step on a batch: (mean loss, real rows); then the freed heap goes back to the system."""
        batch = self._to_device(batch)
        heads = self._training_logits(batch)
        targets = batch.outcome.float()
        mask = batch.mask
        loss = sum(nn.functional.binary_cross_entropy_with_logits(logits[mask], targets[mask]) for logits in heads) / len(heads)
        loss = loss + self._penalty(batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        release_free_memory()
        return loss.item(), int(mask.sum())

    def _extra_sizes(self, train: StudyLogTable) -> dict[str, int]:
        """Sizes beyond concepts and text that a subclass's network needs from the training table (none by default)."""
        return {}

    def _penalty(self, batch: SequenceBatch) -> torch.Tensor | float:
        """A regularisation term added to a training batch's loss (none by default)."""
        return 0.0

    def _training_logits(self, batch: SequenceBatch) -> list[torch.Tensor]:
        """The logits that training scores, each with its own cross-entropy (averaged): the network's output by default."""
        return [self.network(batch)]

    @torch.no_grad()
    def predict_proba(self, table: StudyLogTable) -> np.ndarray:
        if self.network is None:
            raise RuntimeError(f"{self.name}: fit or load the model before predicting")
        self._check_table(table)
        self.network.eval()
        hp = self.hyperparameters
        # The largest batch training sees, so prediction needs no more memory than training.
        largest = None if hp["max_train_length"] is None else hp["batch_size"] * hp["max_train_length"]
        probabilities = np.empty(len(table), dtype=np.float64)
        spans, context = self._prediction_spans(table)
        batches = iterate_batches(
            table, hp["batch_size"], with_item_vectors=self._uses_text, max_padded_steps=largest, spans=spans, context=context
        )
        for index, batch in enumerate(batches):
            if index:  # between batches only: a one-batch call (serving a next card) pays nothing
                release_free_memory()
            logits = self.network(self._to_device(batch))
            wanted = torch.from_numpy(batch.predicted).to(self.device)
            probabilities[batch.rows[batch.predicted]] = torch.sigmoid(logits[wanted]).cpu().double().numpy()
        return probabilities

    def _prediction_spans(self, table: StudyLogTable) -> tuple[np.ndarray, np.ndarray]:
        """The spans a prediction reads, and how many first steps of each are context only: every learner whole by default."""
        spans = learner_spans(table)
        return spans, np.zeros(len(spans), np.int64)

    def _to_device(self, batch: SequenceBatch) -> SequenceBatch:
        if self.device == "cpu":
            return batch
        return SequenceBatch(
            rows=batch.rows,
            mask=batch.mask.to(self.device),
            concept=batch.concept.to(self.device),
            outcome=batch.outcome.to(self.device),
            item_vectors=None if batch.item_vectors is None else batch.item_vectors.to(self.device),
            item=None if batch.item is None else batch.item.to(self.device),
            predicted=batch.predicted,
        )

    def _check_table(self, table: StudyLogTable) -> None:
        if self._uses_text and table.item_embeddings is None:
            raise ValueError(f"{self.name}: item_representation='text' needs a table with item_embeddings")

    def _state(self) -> dict:
        return {"sizes": dict(self._network_sizes), "weights": self.network.state_dict()}

    def _restore(self, state: dict) -> None:
        self._network_sizes = {key: int(value) for key, value in state["sizes"].items()}
        self.network = self._build_network(**self._network_sizes).to(self.device)
        self.network.load_state_dict(state["weights"])
        self.network.eval()

