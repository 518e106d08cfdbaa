"""Logistic regression on KARL's history features, without text or retrieval (an ablation).

L2-regularised (scipy's bounded L-BFGS, see ``RegularisedLogit``) on standardised
``HistoryFeatures``. Two regressions share the features: one for spaced reviews (the
pair was answered at least ``short_gap_hours`` earlier) and one for the rest (first
sightings and same-session relearning steps), because a single linear fit over both
regimes bends towards the minutes-apart steps and predicts spaced reviews worse. Each
one's inverse regularisation strength C is chosen on validation rows only (``valid``,
or else the most recent part of the training rows), then it is refitted on training
and validation rows together with that C. Each regime clips its inputs to the range of
its own rows (``Standardiser``).

Outside the training range it stays sane by construction. Each regression's recall
cannot rise as time passes without study (sign-constrained weights on the features
that read the clock, ``RegularisedLogit``); a pair answered under ``short_gap_hours``
ago is predicted at least what the spaced regression predicts once that gap is
reached (``at_spaced_boundary``), so recall does not rise where the regimes meet; and
the result passes through an answer noise (``answer_noise``) fitted on the same rows,
so no answer, however far from what training showed, is predicted certain.
"""

from __future__ import annotations

import time

import numpy as np

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.history.features import FEATURE_NAMES, clipped_retrievability, is_spaced_review
from knowledge_tracing.models.answer_noise import AnswerNoise
from knowledge_tracing.models.base import FitReport, register_model
from knowledge_tracing.models.history_model import HistoryFeatureModel, selection_split
from knowledge_tracing.models.linear import RegularisedLogit

REGIMES = ("spaced", "fresh")


def at_spaced_boundary(features: np.ndarray, short_gap_hours: float, fsrs_decay: float) -> np.ndarray:
    """The same rows asked later, when their pair's last answer is ``short_gap_hours`` old, with no study between.

    Rows already past that moment, and first sightings, are returned unchanged; for
    the others every ``CLOCK_FEATURE_DIRECTIONS`` column is moved forward as
    ``summary_features`` and ``pair_features`` would compute it at that time.
    """
    column = FEATURE_NAMES.index
    moved = features.copy()
    pair_hours = np.expm1(features[:, column("pair_log_hours_since")])
    waiting = (features[:, column("pair_seen")] > 0) & (pair_hours < short_gap_hours)
    shift = np.where(waiting, short_gap_hours - pair_hours, 0.0)
    hours = pair_hours + shift
    learner_hours = np.expm1(features[:, column("learner_log_hours_since")]) + shift
    stability = np.exp(features[:, column("fsrs_log_stability")])
    retrievability, logit_retrievability = clipped_retrievability(np.floor(hours / 24.0), stability, fsrs_decay)
    later = {
        "pair_log_hours_since": np.log1p(hours),
        "sm2_log_overdue": np.log1p(hours / 24.0) - features[:, column("sm2_log_interval")],
        "fsrs_retrievability": retrievability,
        "fsrs_logit_retrievability": logit_retrievability,
        "learner_log_hours_since": np.log1p(learner_hours),
    }
    for name, values in later.items():
        moved[waiting, column(name)] = values[waiting]
    return moved


@register_model
class LogisticRegressionModel(HistoryFeatureModel):
    """P(recall) = sigmoid(w . standardised history features + b), one (w, b) per regime."""

    name = "logreg"
    default_hyperparameters = {
        "c_grid": (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0),
        "short_gap_hours": 1.0,
        "validation_fraction": 0.2,
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.regressions = {regime: RegularisedLogit() for regime in REGIMES}
        self.noise = AnswerNoise()

    def fit(self, train: StudyLogTable, valid: StudyLogTable | None = None, *, progress=None) -> FitReport:
        started = time.perf_counter()
        split = selection_split(train, valid, self.hyperparameters["validation_fraction"])
        self.extractor.fit(split.table.take(split.train_rows))
        features = self.extractor.transform(split.table).features
        spaced = self._spaced(features)
        outcome = split.table.outcome
        report = FitReport()
        for regime, regression in self.regressions.items():
            in_regime = spaced == (regime == "spaced")
            train_rows, valid_rows = split.train_rows & in_regime, split.valid_rows & in_regime
            trials = regression.fit(
                features[train_rows],
                outcome[train_rows],
                features[valid_rows],
                outcome[valid_rows],
                self.hyperparameters["c_grid"],
            )
            report.epochs.extend({"regime": regime, **trial} for trial in trials)
            if progress:
                progress({"regime": regime, "trials": trials})
        self.noise = AnswerNoise.fit(self._memory_recall(features), outcome)
        report.train_seconds = time.perf_counter() - started
        return report

    def _spaced(self, features: np.ndarray) -> np.ndarray:
        return is_spaced_review(features, self.hyperparameters["short_gap_hours"])

    def _memory_recall(self, features: np.ndarray) -> np.ndarray:
        """The regimes' recall; a pair under the short gap never below the spaced regime's once it is reached."""
        spaced, fresh = (self.regressions[regime].probability for regime in REGIMES)
        later = at_spaced_boundary(features, self.hyperparameters["short_gap_hours"], self.extractor.fsrs_parameters[20])
        is_spaced = self._spaced(features)
        recall = np.where(is_spaced, spaced(features), fresh(features))
        waiting = ~is_spaced & self._spaced(later)
        return np.where(waiting, np.maximum(recall, spaced(later)), recall)

    def _probability(self, features: np.ndarray) -> np.ndarray:
        return self.noise.apply(self._memory_recall(features))

    def predict_proba(self, table: StudyLogTable) -> np.ndarray:
        return self._probability(self.extractor.transform(table).features)

    def score_candidate_rows(self, state, items, features, asked_at) -> np.ndarray:
        return self._probability(features.matrix())

    def _state(self) -> dict:
        return {
            "extractor": self._extractor_state(),
            **{regime: regression.state() for regime, regression in self.regressions.items()},
            "noise": self.noise.state(),
        }

    def _restore(self, state: dict) -> None:
        self._restore_extractor(state["extractor"])
        for regime, regression in self.regressions.items():
            regression.restore(state[regime])
        self.noise = AnswerNoise.from_state(state.get("noise"))
