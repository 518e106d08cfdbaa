"""KARL: content-aware recall prediction with retrieval, after Shu et al. (EMNLP 2024).

P(recall of a card by a learner at a time) from three views of the same moment:

(a) the history features of the pair, the learner and the item (``history/features.py``);
(b) the card's text embedding (``table.item_embeddings``), linearly projected, when
    the table has one;
(c) retrieval (``history/retrieval.py``): the k (default 5) other cards this learner answered
    strictly before this moment that are most similar to the target by embedding
    cosine, each described by its similarity and its own history (last outcome,
    counts, time since, FSRS retrievability now), encoded and pooled by attention
    whose query is the target's features. Without embeddings (an Anki log has no card
    text) retrieval runs on history alone: the k most recently answered other cards,
    similarity 0.

Architecture (``karl_network``), kept as small as wins on one learner's 10k reviews:
a linear path on the standardised history features (one per regime, spaced reviews
versus first sightings and same-session steps, as in ``logreg``), plus a transfer
term per regime on what retrieval found, ``max_k similarity_k x recall_k`` (a learner
who remembers a closely related card is likelier to know this one), plus a residual
MLP head (one hidden layer, dropout) over [features, projected text, pooled
neighbours] whose output layer starts at zero.

Selection, judged on validation rows that nothing compared was fitted to: the linear
paths are fitted as the L2-regularised logistic regression on the training rows only
(C chosen on validation), once on the history features alone (``logreg``) and once
with the transfer term; the validation rows choose (the content earns its place only
where it predicts rows it was not fitted to). Adam on binary cross-entropy, with
weight decay and early stopping on the validation log loss, then trains the head and
the linear paths from that start, and keeps the best epoch, the start (epoch 0)
included. If the start wins, the linear paths are refitted on training and validation
rows: without the transfer term KARL is then exactly the ``logreg`` model.
Retrieval never looks at the predicted row or later rows. Every input is clipped to
the range of its regime's training rows before it is standardised (neighbour
descriptions to the range of the training rows' neighbours), so gaps of seconds or of
a year, never seen in day-spaced logs, are read as the nearest gap that was. The
linear paths' weights on the features that read the clock keep the signs of the
warm start's (recall never rises with time alone, ``RegularisedLogit``; projected
back after every step), the transfer weights stay at or above zero (a neighbour's
recall only falls with time), and the probability passes through an answer noise
(``answer_noise``) fitted on the training rows once the network is chosen, so no
answer is predicted certain. The residual head is not constrained: it reads the
clock too (the query's time features, each neighbour's time since and
retrievability), so its output may rise with time where it learned so.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from torch import nn

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.history.features import FEATURE_NAMES, is_spaced_review
from knowledge_tracing.history.questions import QuestionFeatures
from knowledge_tracing.history.retrieval import (
    NEIGHBOUR_FEATURES,
    Neighbours,
    SimilarityRanking,
    choose_for_candidates,
    describe_at,
    neighbour_recall,
    retrieve_for_table,
)
from knowledge_tracing.models.answer_noise import AnswerNoise
from knowledge_tracing.models.base import FitReport, register_model
from knowledge_tracing.models.history_model import HistoryFeatureModel, selection_split
from knowledge_tracing.models.karl_candidates import CandidateScorer, RegimeStandardiser, StandardisedInputs
from knowledge_tracing.models.karl_inputs import RowInputs, float32_by_chunks, text_table
from knowledge_tracing.models.karl_network import KarlNetwork, upgrade_saved_network
from knowledge_tracing.models.linear import RegularisedLogit, Standardiser


@register_model
class KarlModel(HistoryFeatureModel):
    """KARL over history features, text embeddings (optional) and k retrieved neighbours."""

    name = "karl"
    default_hyperparameters = {
        "k": 5,
        "hidden": 16,
        "text_dim": 16,
        "dropout": 0.2,
        "learning_rate": 3e-3,
        "linear_learning_rate": 3e-3,
        "weight_decay": 1e-3,
        "batch_size": 256,
        "max_epochs": 30,
        "patience": 4,
        "c_grid": (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0),
        "short_gap_hours": 1.0,
        "validation_fraction": 0.2,
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.standardiser = RegimeStandardiser()
        self.neighbour_standardiser = Standardiser(len(NEIGHBOUR_FEATURES))
        self.item_embeddings: np.ndarray | None = None
        self.network: KarlNetwork | None = None
        self.similarity_ranking: SimilarityRanking | None = None
        self.candidate_scorer: CandidateScorer | None = None
        self.noise = AnswerNoise()

    # ----- inputs -------------------------------------------------------------------------

    def _table_inputs(self, table: StudyLogTable) -> RowInputs:
        embeddings = self._embeddings_for(table)
        history = self.extractor.transform(table)
        neighbours = retrieve_for_table(
            table, history.pair_states_after, history.time_seconds, self.hyperparameters["k"], embeddings,
            self.extractor.fsrs_parameters,
        )
        return self._inputs(history.features, table.item, neighbours, embeddings)

    def _inputs(self, features, items, neighbours: Neighbours, embeddings) -> RowInputs:
        """The network's inputs; the text path reads the table's embeddings of the rows' cards, or none (width 0)."""
        spaced = self._spaced(features)
        valid = neighbours.valid
        return RowInputs({
            "features": float32_by_chunks(len(features), lambda rows: self.standardiser(features[rows], spaced[rows])),
            "spaced": torch.as_tensor(spaced),
            "item": torch.as_tensor(items, dtype=torch.int64),
            "neighbour_features": float32_by_chunks(
                len(features), lambda rows: self.neighbour_standardiser(neighbours.features[rows]) * valid[rows, :, None]
            ),
            "similarity": torch.as_tensor(neighbours.similarity, dtype=torch.float32),
            "valid": torch.as_tensor(valid),
            "neighbour_recall": float32_by_chunks(
                len(features), lambda rows: neighbour_recall(neighbours.features[rows]) * valid[rows]
            ),
        }, text_table(embeddings, items))

    def _spaced(self, features: np.ndarray) -> np.ndarray:
        return is_spaced_review(features, self.hyperparameters["short_gap_hours"])

    def _embeddings_for(self, table: StudyLogTable) -> np.ndarray | None:
        if table.item_embeddings is not None:
            return table.item_embeddings
        if self.item_embeddings is not None and self.network is not None and self.network.text is not None:
            if int(table.item.max(initial=-1)) >= len(self.item_embeddings):
                raise ValueError("karl: the table has items without embeddings; pass table.with_embeddings(...)")
            return self.item_embeddings
        return None

    # ----- training -----------------------------------------------------------------------

    def fit(self, train: StudyLogTable, valid: StudyLogTable | None = None, *, progress=None) -> FitReport:
        started = time.perf_counter()
        torch.manual_seed(self.seed)
        hp = self.hyperparameters
        split = selection_split(train, valid, hp["validation_fraction"])
        self.item_embeddings = train.item_embeddings
        self.network = None
        self.extractor.fit(split.table.take(split.train_rows))
        history = self.extractor.transform(split.table)
        embeddings = self._embeddings_for(split.table)
        self.standardiser.fit(history.features[split.train_rows], self._spaced(history.features[split.train_rows]))
        neighbours = retrieve_for_table(
            split.table, history.pair_states_after, history.time_seconds, hp["k"], embeddings,
            self.extractor.fsrs_parameters,
        )
        self.neighbour_standardiser.fit(neighbours.features[neighbours.valid & split.train_rows[:, None]])
        self.network = KarlNetwork(
            len(FEATURE_NAMES), 0 if embeddings is None else embeddings.shape[1],
            hidden=hp["hidden"], text_dim=hp["text_dim"], dropout=hp["dropout"],
        )
        inputs = self._inputs(history.features, split.table.item, neighbours, embeddings)
        del history, neighbours  # their float64 arrays are in the float32 inputs now
        train_part, valid_part = inputs.take(split.train_rows), inputs.take(split.valid_rows)
        del inputs
        train_y = torch.as_tensor(split.table.outcome[split.train_rows], dtype=torch.float32)
        valid_y = torch.as_tensor(split.table.outcome[split.valid_rows], dtype=torch.float32)
        warm_start = self._choose_warm_start(train_part, train_y, valid_part, valid_y)
        report = self._train_network(train_part, train_y, valid_part, valid_y, progress)
        report.epochs[0].update(warm_start)
        if report.best_epoch == 0:
            self._warm_start_linear(
                train_part, train_y, valid_part, valid_y, with_transfer=warm_start["transfer"], refit_on_validation=True
            )
        with torch.inference_mode():
            memory_recall = torch.sigmoid(train_part.logits(self.network)).double().numpy()
        self.noise = AnswerNoise.fit(memory_recall, train_y.numpy())
        self._prepare_candidate_scoring()
        report.train_seconds = time.perf_counter() - started
        return report

    def _choose_warm_start(self, train_part, train_y, valid_part, valid_y) -> dict:
        """Start from the linear paths with or without the transfer term, whichever validation prefers.

        Both are fitted on the training rows only, so the validation rows judge them
        (and every later epoch) alike: the content earns its place only where it
        predicts rows it was not fitted to. Without a related studied card anywhere in
        the training rows (no card text, as in an Anki log) the transfer is not tried.
        """
        self._warm_start_linear(train_part, train_y, valid_part, valid_y, with_transfer=False, refit_on_validation=False)
        history_only = self._valid_loss(valid_part, valid_y)
        choice = {"transfer": False, "history_only_valid_log_loss": history_only}
        if not bool((_transfer(train_part) > 0).any()):
            return choice
        history_only_state = {name: value.clone() for name, value in self.network.state_dict().items()}
        self._warm_start_linear(train_part, train_y, valid_part, valid_y, with_transfer=True, refit_on_validation=False)
        with_transfer = self._valid_loss(valid_part, valid_y)
        choice["with_transfer_valid_log_loss"] = with_transfer
        if with_transfer < history_only - 1e-5:
            choice["transfer"] = True
        else:
            self.network.load_state_dict(history_only_state)
        return choice

    def _warm_start_linear(
        self, train_part, train_y, valid_part, valid_y, *, with_transfer: bool, refit_on_validation: bool
    ) -> None:
        """Set each regime's linear path (and transfer weight) to the logistic regression whose C is chosen on validation.

        Fitted on training rows only for the warm start, so that the validation rows
        judge it and every later epoch alike (fitted on them too, it would always win).
        When the warm start wins, the path is refitted on training and validation rows:
        without the transfer, KARL is then exactly the ``logreg`` model.
        """

        def regression_inputs(part):
            features = part["features"].numpy()
            return np.column_stack([features, _transfer(part).numpy()]) if with_transfer else features

        train_x, valid_x = regression_inputs(train_part), regression_inputs(valid_part)
        n_features = train_part["features"].shape[1]
        for column, regime_is_spaced in enumerate((True, False)):
            in_train = (train_part["spaced"] == regime_is_spaced).numpy()
            in_valid = (valid_part["spaced"] == regime_is_spaced).numpy()
            regression = RegularisedLogit(extra_bounds=((0.0, None),) if with_transfer else ())
            regression.fit(
                train_x[in_train], train_y[in_train].numpy(), valid_x[in_valid], valid_y[in_valid].numpy(),
                self.hyperparameters["c_grid"], refit_on_validation=refit_on_validation,
            )
            weights = regression.weights / regression.standardiser.scale
            bias = regression.bias - float(regression.standardiser.mean @ weights)
            with torch.no_grad():
                self.network.linear.weight[column] = torch.as_tensor(weights[:n_features], dtype=torch.float32)
                self.network.linear.bias[column] = bias
                self.network.transfer_weight[column] = float(weights[n_features]) if with_transfer else 0.0

    def _train_network(self, train_part, train_y, valid_part, valid_y, progress) -> FitReport:
        """Adam from the warm start; keeps the epoch with the lowest validation log loss (epoch 0 included)."""
        hp = self.hyperparameters
        linear = [*self.network.linear.parameters(), self.network.transfer_weight]
        rest = [
            parameter for name, parameter in self.network.named_parameters()
            if not name.startswith("linear.") and name != "transfer_weight"
        ]
        optimizer = torch.optim.Adam(
            [{"params": linear, "lr": hp["linear_learning_rate"]}, {"params": rest}],
            lr=hp["learning_rate"], weight_decay=hp["weight_decay"],
        )
        loss_function = nn.BCEWithLogitsLoss()
        generator = torch.Generator().manual_seed(self.seed)
        report = FitReport(best_epoch=0)
        best_loss = self._valid_loss(valid_part, valid_y)
        best_state = {name: value.clone() for name, value in self.network.state_dict().items()}
        report.epochs.append({"epoch": 0, "valid_log_loss": best_loss})
        for epoch in range(1, hp["max_epochs"] + 1):
            self.network.train()
            order = torch.randperm(len(train_y), generator=generator)
            for start in range(0, len(order), hp["batch_size"]):
                batch = order[start : start + hp["batch_size"]]
                optimizer.zero_grad()
                loss = loss_function(self.network(**train_part.take(batch).network_arguments()), train_y[batch])
                loss.backward()
                optimizer.step()
                self.network.keep_recall_falling_with_time()
            valid_loss = self._valid_loss(valid_part, valid_y)
            report.epochs.append({"epoch": epoch, "train_loss": loss.item(), "valid_log_loss": valid_loss})
            if progress:
                progress(report.epochs[-1])
            if valid_loss < best_loss - 1e-5:
                best_loss, report.best_epoch = valid_loss, epoch
                best_state = {name: value.clone() for name, value in self.network.state_dict().items()}
            elif epoch - report.best_epoch >= hp["patience"]:
                break
        self.network.load_state_dict(best_state)
        self.network.eval()
        return report

    def _valid_loss(self, valid_part, valid_y) -> float:
        if len(valid_y) == 0:
            return 0.0
        with torch.no_grad():
            self.network.eval()
            return float(nn.functional.binary_cross_entropy_with_logits(valid_part.logits(self.network), valid_y))

    # ----- prediction ---------------------------------------------------------------------

    def _probability(self, inputs: RowInputs) -> np.ndarray:
        """P(recall) of a table's rows, the network run ``CHUNK_ROWS`` rows at a time (``RowInputs.logits``)."""
        if self.network is None:
            raise RuntimeError("karl: fit the model before predicting")
        self.network.eval()
        with torch.inference_mode():
            return self.noise.apply(torch.sigmoid(inputs.logits(self.network)).double().numpy())

    def predict_proba(self, table: StudyLogTable) -> np.ndarray:
        return self._probability(self._table_inputs(table))

    def score_candidate_rows(self, state, items, features: QuestionFeatures, asked_at) -> np.ndarray:
        """One pass over every question (``karl_candidates``); neighbours chosen once, described once per time."""
        if self.network is None:
            raise RuntimeError("karl: fit the model before predicting")
        embeddings, ranking = self._candidate_similarity(state)
        chosen = choose_for_candidates(state, items, self.hyperparameters["k"], ranking)
        times = list(dict.fromkeys(asked_at))
        return self.noise.apply(self.candidate_scorer.probability(
            features,
            items,
            embeddings,
            describe_at(state, chosen, times),
            [times.index(at_time) for at_time in asked_at],
            self.hyperparameters["short_gap_hours"],
        ).ravel())

    def _candidate_similarity(self, state) -> tuple[np.ndarray | None, SimilarityRanking | None]:
        """The embeddings that score this request's candidates, and the ranking that finds their neighbours.

        Embeddings the state carries (its history table's: cards added after training
        included) are this request's own and are never stored on the shared model; when
        they differ from the cached ones, neighbours are ranked among all studied cards
        with them (a ranking of width 0) instead of with the cached ranking.
        """
        cached = self._candidate_embeddings()
        own = state.item_embeddings
        if cached is None or own is None or own is cached or np.array_equal(own, cached):
            return cached, self.similarity_ranking
        return own, SimilarityRanking.of(own, width=0)

    def _candidate_embeddings(self) -> np.ndarray | None:
        return self.item_embeddings if self.network is not None and self.network.text is not None else None

    def _prepare_candidate_scoring(self) -> None:
        """Rank each card's most similar cards and project its text once, so a request needs neither."""
        embeddings = self._candidate_embeddings()
        self.similarity_ranking = None if embeddings is None else SimilarityRanking.of(embeddings)
        standardised = StandardisedInputs(self.standardiser, self.neighbour_standardiser)
        self.candidate_scorer = CandidateScorer(self.network, standardised, embeddings)

    # ----- persistence --------------------------------------------------------------------

    def _state(self) -> dict:
        return {
            "extractor": self._extractor_state(),
            "standardiser": self.standardiser.state(),
            "neighbour_standardiser": self.neighbour_standardiser.state(),
            "item_embeddings": torch.as_tensor(
                self.item_embeddings if self.item_embeddings is not None else np.zeros((0, 0), np.float32)
            ),
            "network": self.network.state_dict(),
            "noise": self.noise.state(),
        }

    def _restore(self, state: dict) -> None:
        self._restore_extractor(state["extractor"])
        self.standardiser = _regime_standardiser(state)
        self.neighbour_standardiser = _neighbour_standardiser(state)
        embeddings = state["item_embeddings"].numpy()
        self.item_embeddings = embeddings if embeddings.size else None
        hp = self.hyperparameters
        self.network = KarlNetwork(
            len(FEATURE_NAMES), 0 if self.item_embeddings is None else embeddings.shape[1],
            hidden=hp["hidden"], text_dim=hp["text_dim"], dropout=hp["dropout"],
        )
        self.network.load_state_dict(upgrade_saved_network(state["network"], len(FEATURE_NAMES)))
        self.network.eval()
        self.noise = AnswerNoise.from_state(state.get("noise"))
        self._prepare_candidate_scoring()


def _transfer(inputs: RowInputs) -> torch.Tensor:
    """(rows,) each row's transfer from its best-known related card, as the network computes it."""
    return KarlNetwork.transfer(inputs["similarity"].T, inputs["neighbour_recall"].T, ~inputs["valid"].T)


def _regime_standardiser(state: dict) -> RegimeStandardiser:
    """The saved per-regime standardiser; artifacts saved before it kept one flat ``mean`` and ``scale`` for both."""
    if "standardiser" in state:
        return RegimeStandardiser.from_state(_numpy(state["standardiser"]))
    legacy = _numpy({"mean": state["mean"], "scale": state["scale"]})
    return RegimeStandardiser.from_state({"spaced": legacy, "fresh": legacy})


def _neighbour_standardiser(state: dict) -> Standardiser:
    """The saved neighbour standardiser; artifacts saved before it kept ``neighbour_mean`` and ``neighbour_scale``."""
    saved = state.get("neighbour_standardiser") or {"mean": state["neighbour_mean"], "scale": state["neighbour_scale"]}
    return Standardiser.from_state(_numpy(saved))


def _numpy(tensors):
    """Nested dicts of tensors as the same dicts of arrays."""
    return {name: _numpy(value) if isinstance(value, dict) else value.numpy() for name, value in tensors.items()}
