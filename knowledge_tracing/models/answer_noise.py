"""Answer noise: a slip and a guess rate that keep a memory model's recall away from 0 and 1.

A learner who holds a card firmly in memory still mistypes or misgrades now and then
(a slip), and one who has forgotten it still gets some answers right (a guess). A
model whose memory curve reaches 1 (FSRS-6 and HLR at 0 elapsed days) or 0 (HLR after
a year), or a regression asked about inputs its training never showed, would otherwise
claim certainty. The observed recall is

    P(recall) = guess + (1 - guess - slip) * memory_recall

(the upper and lower asymptotes of four-parameter item response models). Both rates
are fitted by maximum likelihood on training rows, with the memory model already
fitted, and kept within ``NOISE_BOUNDS``: at least 2% each, so that every answer is a
probability within [0.02, 0.98], and at most 30% each, so that the noise never
swallows the memory signal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

NOISE_BOUNDS = (0.02, 0.3)


@dataclass(frozen=True)
class AnswerNoise:
    """Slip and guess rates; ``apply`` works on numpy arrays and torch tensors alike."""

    slip: float = NOISE_BOUNDS[0]
    guess: float = NOISE_BOUNDS[0]

    def apply(self, memory_recall):
        """Observed recall of answers whose recall from memory alone is ``memory_recall``."""
        return self.guess + (1.0 - self.guess - self.slip) * memory_recall

    @classmethod
    def fit(cls, memory_recall: np.ndarray, outcome: np.ndarray) -> "AnswerNoise":
        """Maximum-likelihood slip and guess for these training rows, within ``NOISE_BOUNDS``."""
        recall = np.clip(np.asarray(memory_recall, dtype=np.float64), 0.0, 1.0)
        recalled = np.asarray(outcome) > 0
        if len(recall) == 0:
            return cls()

        def negative_log_likelihood(rates: np.ndarray) -> float:
            observed = cls(*rates).apply(recall)
            return -float(np.log(np.where(recalled, observed, 1.0 - observed)).sum())

        start = np.full(2, NOISE_BOUNDS[0])
        fitted = minimize(negative_log_likelihood, start, method="L-BFGS-B", bounds=[NOISE_BOUNDS] * 2)
        slip, guess = np.clip(fitted.x, *NOISE_BOUNDS)
        return cls(slip=float(slip), guess=float(guess))

    def state(self) -> dict:
        return {"slip": self.slip, "guess": self.guess}

    @classmethod
    def from_state(cls, state: dict | None) -> "AnswerNoise":
        """Inverse of ``state``; artifacts saved before the noise was fitted get the lowest rates."""
        return cls(**{name: float(value) for name, value in state.items()}) if state else cls()
