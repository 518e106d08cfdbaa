"""KARL: content-aware recall prediction with retrieval, after Shu et al. (EMNLP 2024).

P(recall of a card by a learner at a time) from three views of the same moment:

(a) the history features of the pair, the learner and the item (``features.py``);
(b) the card's text embedding (``table.item_embeddings``), linearly projected, when
    the table has one;
(c) retrieval (``retrieval.py``): the k (default 5) other cards this learner answered
    strictly before this moment that are most similar to the target by embedding
    cosine, each described by its similarity and its own history (last outcome,
    counts, time since, FSRS retrievability now), encoded and pooled by attention
    whose query is the target's features. Without embeddings (an Anki log has no card
    text) retrieval runs on history alone: the k most recently answered other cards,
    similarity 0.

Architecture, kept as small as wins on one learner's 10k reviews: a linear path on
the standardised history features (one per regime, spaced reviews versus first
sightings and same-session steps, as in ``logreg``) warm-started from the
L2-regularised logistic regression fitted on the training rows (C chosen on
validation), plus a residual MLP head (one hidden layer, dropout) over [features,
projected text, pooled neighbours] whose output layer starts at zero. So training
starts exactly at the logistic regression and Adam on binary cross-entropy, with
weight decay and early stopping on the validation log loss, keeps the residual only
while it helps validation. Neither the warm start (epoch 0) nor any later epoch is
fitted to the validation rows that choose between them. If epoch 0 wins, the linear
path is refitted on training and validation rows: KARL is then the ``logreg`` model.
Retrieval never looks at the predicted row or later rows. Every input is clipped to
the range of its regime's training rows before it is standardised (neighbour
descriptions to the range of the training rows' neighbours), so gaps of seconds or of
a year, never seen in day-spaced logs, are read as the nearest gap that was. The
linear paths' weights on the features that read the clock keep the signs of the
warm start's (recall never rises with time alone, ``RegularisedLogit``; projected
back after every step), and the probability passes through an answer noise
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
from knowledge_tracing.features import CLOCK_FEATURE_DIRECTIONS, FEATURE_NAMES, QuestionFeatures, is_spaced_review
from knowledge_tracing.models.answer_noise import AnswerNoise
from knowledge_tracing.models.base import FitReport, register_model
from knowledge_tracing.models.history_model import HistoryFeatureModel, selection_split
from knowledge_tracing.models.karl_candidates import CandidateScorer, RegimeStandardiser, StandardisedInputs
from knowledge_tracing.models.logreg import RegularisedLogit, Standardiser
from knowledge_tracing.retrieval import (
    NEIGHBOUR_FEATURES,
    Neighbours,
    SimilarityRanking,
    choose_for_candidates,
    describe_at,
    retrieve_for_table,
)


RISING_CLOCK_COLUMNS = [FEATURE_NAMES.index(name) for name, direction in CLOCK_FEATURE_DIRECTIONS.items() if direction > 0]
FALLING_CLOCK_COLUMNS = [FEATURE_NAMES.index(name) for name, direction in CLOCK_FEATURE_DIRECTIONS.items() if direction < 0]


class KarlNetwork(nn.Module):
    """Linear regime paths + residual MLP over features, projected text and attention-pooled neighbours."""

    def __init__(self, n_features: int, embedding_dim: int, *, hidden: int, text_dim: int, dropout: float) -> None:
        super().__init__()
        self.linear = nn.Linear(n_features, 2)
        self.text = nn.Linear(embedding_dim, text_dim) if embedding_dim else None
        query_dim = n_features + (text_dim if embedding_dim else 0)
        self.neighbour = nn.Sequential(nn.Linear(len(NEIGHBOUR_FEATURES) + 1, hidden), nn.ReLU())
        self.query = nn.Linear(query_dim, hidden)
        self.head = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(query_dim + hidden, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, 1)
        )
        nn.init.zeros_(self.head[-1].weight)
        nn.init.zeros_(self.head[-1].bias)

    def forward(self, features, spaced, embedding, neighbour_features, similarity, valid):
        """The recall logit of each row: a regime's linear term plus the head over query and pooled neighbours."""
        query = features if self.text is None else torch.cat([features, self.text(embedding)], dim=1)
        encoded = self.neighbour(torch.cat([neighbour_features, similarity.unsqueeze(-1)], dim=-1))  # (rows, k, hidden)
        scores = (encoded * self.query(query).unsqueeze(1)).sum(-1) / encoded.shape[-1] ** 0.5
        weights = torch.softmax(scores.masked_fill(~valid, -1e9), dim=1) * valid
        pooled = (weights.unsqueeze(-1) * encoded).sum(1)
        linear = self.linear(features)
        regime_logit = torch.where(spaced, linear[:, 0], linear[:, 1])
        return regime_logit + self.head(torch.cat([query, pooled], dim=1)).squeeze(1)

    def keep_linear_recall_falling_with_time(self) -> None:
        """Project the linear paths' clock weights back to the signs ``RegularisedLogit`` keeps them to."""
        with torch.no_grad():
            weight = self.linear.weight
            weight[:, RISING_CLOCK_COLUMNS] = weight[:, RISING_CLOCK_COLUMNS].clamp(max=0.0)
            weight[:, FALLING_CLOCK_COLUMNS] = weight[:, FALLING_CLOCK_COLUMNS].clamp(min=0.0)


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
        "fine_tune_encoder": False,
        "encoder_learning_rate": 2e-5,
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.standardiser = RegimeStandardiser()
        self.neighbour_standardiser = Standardiser(len(NEIGHBOUR_FEATURES))
        self.item_embeddings: np.ndarray | None = None
        self.tuned_text_embeddings: np.ndarray | None = None
        self.network: KarlNetwork | None = None
        self.similarity_ranking: SimilarityRanking | None = None
        self.candidate_scorer: CandidateScorer | None = None
        self.noise = AnswerNoise()

    # ----- inputs -------------------------------------------------------------------------

    def _table_inputs(self, table: StudyLogTable) -> dict:
        embeddings = self._embeddings_for(table)
        history = self.extractor.transform(table)
        neighbours = retrieve_for_table(
            table, history.pair_states_after, history.time_seconds, self.hyperparameters["k"], embeddings,
            self.extractor.fsrs_parameters,
        )
        return self._inputs(history.features, table.item, neighbours, embeddings)

    def _inputs(self, features, items, neighbours: Neighbours, embeddings) -> dict:
        standardised_neighbours = self.neighbour_standardiser(neighbours.features)
        spaced = self._spaced(features)
        return {
            "features": torch.as_tensor(self.standardiser(features, spaced), dtype=torch.float32),
            "spaced": torch.as_tensor(spaced),
            "embedding": torch.as_tensor(self._text_embeddings(embeddings, items), dtype=torch.float32),
            "neighbour_features": torch.as_tensor(standardised_neighbours * neighbours.valid[..., None], dtype=torch.float32),
            "similarity": torch.as_tensor(neighbours.similarity, dtype=torch.float32),
            "valid": torch.as_tensor(neighbours.valid),
        }

    def _text_embeddings(self, embeddings, items) -> np.ndarray:
        """What the text path reads: the fine-tuned encoder's embeddings when there are any, else the table's."""
        if self.tuned_text_embeddings is not None:
            return self.tuned_text_embeddings[items]
        return embeddings[items] if embeddings is not None else np.zeros((len(items), 0))

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
        self.tuned_text_embeddings = None
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
        train_part, valid_part = _rows(inputs, split.train_rows), _rows(inputs, split.valid_rows)
        train_y = torch.as_tensor(split.table.outcome[split.train_rows], dtype=torch.float32)
        valid_y = torch.as_tensor(split.table.outcome[split.valid_rows], dtype=torch.float32)
        self._warm_start_linear(train_part, train_y, valid_part, valid_y, refit_on_validation=False)
        encoder = self._tunable_encoder(split.table, embeddings)
        items = torch.as_tensor(split.table.item)
        train_items, valid_items = items[split.train_rows], items[split.valid_rows]
        report = self._train_network(train_part, train_y, valid_part, valid_y, progress, encoder, train_items, valid_items)
        if report.best_epoch == 0:
            self._warm_start_linear(train_part, train_y, valid_part, valid_y, refit_on_validation=True)
        with torch.inference_mode():
            memory_recall = torch.sigmoid(self.network(**train_part)).double().numpy()
        self.noise = AnswerNoise.fit(memory_recall, train_y.numpy())
        self._prepare_candidate_scoring()
        report.train_seconds = time.perf_counter() - started
        return report

    def _warm_start_linear(self, train_part, train_y, valid_part, valid_y, *, refit_on_validation: bool) -> None:
        """Set each regime's linear path to the logistic regression whose C is chosen on validation.

        Fitted on training rows only for the warm start, so that the validation rows
        judge it and every later epoch alike (fitted on them too, it would always win).
        When the warm start wins, the path is refitted on training and validation rows,
        and KARL is then exactly the ``logreg`` model.
        """
        for column, regime_is_spaced in enumerate((True, False)):
            in_train = train_part["spaced"] == regime_is_spaced
            in_valid = valid_part["spaced"] == regime_is_spaced
            regression = RegularisedLogit()
            regression.fit(
                train_part["features"][in_train].numpy(), train_y[in_train].numpy(),
                valid_part["features"][in_valid].numpy(), valid_y[in_valid].numpy(),
                self.hyperparameters["c_grid"], refit_on_validation=refit_on_validation,
            )
            weights = regression.weights / regression.standardiser.scale
            bias = regression.bias - float(regression.standardiser.mean @ weights)
            with torch.no_grad():
                self.network.linear.weight[column] = torch.as_tensor(weights, dtype=torch.float32)
                self.network.linear.bias[column] = bias

    def _tunable_encoder(self, table: StudyLogTable, embeddings):
        """The encoder to fine-tune with ``fine_tune_encoder``, else None; a clear error when there is no text."""
        if not self.hyperparameters["fine_tune_encoder"]:
            return None
        if table.item_text is None or embeddings is None:
            raise ValueError("karl: fine_tune_encoder needs card text and its embeddings (evaluate --embed)")
        from knowledge_tracing.models.karl_encoder import TunableEncoder

        encoder = TunableEncoder(table.item_text)
        dimension = int(encoder.model.get_embedding_dimension())
        if embeddings.shape[1] != dimension:
            raise ValueError(
                f"karl: fine_tune_encoder needs the table's embeddings from the same encoder ({dimension} wide), "
                f"got {embeddings.shape[1]}"
            )
        return encoder

    def _train_network(self, train_part, train_y, valid_part, valid_y, progress, encoder, train_items, valid_items) -> FitReport:
        """Adam from the warm start; keeps the epoch with the lowest validation log loss (epoch 0 included).

        With an ``encoder`` its weights train too (at ``encoder_learning_rate``): each
        batch's text embeddings come from it, and each epoch is validated with every
        card re-embedded; the best epoch's card embeddings are kept.
        """
        hp = self.hyperparameters
        linear = list(self.network.linear.parameters())
        rest = [parameter for name, parameter in self.network.named_parameters() if not name.startswith("linear.")]
        optimizer = torch.optim.Adam(
            [{"params": linear, "lr": hp["linear_learning_rate"]}, {"params": rest}]
            + ([{"params": list(encoder.parameters()), "lr": hp["encoder_learning_rate"], "weight_decay": 0.0}] if encoder else []),
            lr=hp["learning_rate"], weight_decay=hp["weight_decay"],
        )
        loss_function = nn.BCEWithLogitsLoss()
        generator = torch.Generator().manual_seed(self.seed)
        report = FitReport(best_epoch=0)
        best_loss = self._valid_loss(valid_part, valid_y)
        best_state = {name: value.clone() for name, value in self.network.state_dict().items()}
        best_text = None
        report.epochs.append({"epoch": 0, "valid_log_loss": best_loss})
        for epoch in range(1, hp["max_epochs"] + 1):
            self.network.train()
            order = torch.randperm(len(train_y), generator=generator)
            for start in range(0, len(order), hp["batch_size"]):
                batch = order[start : start + hp["batch_size"]]
                optimizer.zero_grad()
                batch_inputs = _rows(train_part, batch)
                if encoder is not None:
                    encoder.train()
                    batch_inputs["embedding"] = encoder(train_items[batch])
                loss = loss_function(self.network(**batch_inputs), train_y[batch])
                loss.backward()
                optimizer.step()
                self.network.keep_linear_recall_falling_with_time()
            if encoder is not None:
                text = encoder.embed_all()
                valid_part = {**valid_part, "embedding": text[valid_items]}
            valid_loss = self._valid_loss(valid_part, valid_y)
            report.epochs.append({"epoch": epoch, "train_loss": loss.item(), "valid_log_loss": valid_loss})
            if progress:
                progress(report.epochs[-1])
            if valid_loss < best_loss - 1e-5:
                best_loss, report.best_epoch = valid_loss, epoch
                best_state = {name: value.clone() for name, value in self.network.state_dict().items()}
                best_text = text.numpy() if encoder is not None else None
            elif epoch - report.best_epoch >= hp["patience"]:
                break
        self.network.load_state_dict(best_state)
        self.network.eval()
        self.tuned_text_embeddings = best_text
        return report

    def _valid_loss(self, valid_part, valid_y) -> float:
        if len(valid_y) == 0:
            return 0.0
        with torch.no_grad():
            self.network.eval()
            return float(nn.functional.binary_cross_entropy_with_logits(self.network(**valid_part), valid_y))

    # ----- prediction ---------------------------------------------------------------------

    def _probability(self, inputs: dict) -> np.ndarray:
        """P(recall) of a table's rows, in one forward pass."""
        if self.network is None:
            raise RuntimeError("karl: fit the model before predicting")
        self.network.eval()
        with torch.inference_mode():
            return self.noise.apply(torch.sigmoid(self.network(**inputs)).double().numpy())

    def predict_proba(self, table: StudyLogTable) -> np.ndarray:
        return self._probability(self._table_inputs(table))

    def score_candidate_rows(self, state, items, features: QuestionFeatures, asked_at) -> np.ndarray:
        """One pass over every question (``karl_candidates``); neighbours chosen once, described once per time."""
        if self.network is None:
            raise RuntimeError("karl: fit the model before predicting")
        if self.tuned_text_embeddings is not None:
            raise RuntimeError("karl: a model with a fine-tuned encoder predicts tables (predict_proba), not candidates")
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
            "tuned_text_embeddings": torch.as_tensor(
                self.tuned_text_embeddings if self.tuned_text_embeddings is not None else np.zeros((0, 0), np.float32)
            ),
            "noise": self.noise.state(),
        }

    def _restore(self, state: dict) -> None:
        self._restore_extractor(state["extractor"])
        self.standardiser = _regime_standardiser(state)
        self.neighbour_standardiser = _neighbour_standardiser(state)
        embeddings = state["item_embeddings"].numpy()
        self.item_embeddings = embeddings if embeddings.size else None
        tuned = state["tuned_text_embeddings"].numpy() if "tuned_text_embeddings" in state else np.zeros((0, 0))
        self.tuned_text_embeddings = tuned if tuned.size else None
        hp = self.hyperparameters
        self.network = KarlNetwork(
            len(FEATURE_NAMES), 0 if self.item_embeddings is None else embeddings.shape[1],
            hidden=hp["hidden"], text_dim=hp["text_dim"], dropout=hp["dropout"],
        )
        self.network.load_state_dict(state["network"])
        self.network.eval()
        self.noise = AnswerNoise.from_state(state.get("noise"))
        self._prepare_candidate_scoring()


def _rows(inputs: dict, rows) -> dict:
    """The same inputs restricted to some rows (boolean mask or indices)."""
    index = torch.as_tensor(np.flatnonzero(rows)) if isinstance(rows, np.ndarray) and rows.dtype == bool else rows
    return {name: value[index] for name, value in inputs.items()}


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
