"""The shared shape of the model-driven policies: score every eligible card, take the best.

``delta`` and ``recall_target`` differ only in how they score a card. Both are
deterministic argmax policies (the chosen card is logged with probability 1.0) unless
``exploration`` is set: then, epsilon-greedy, a uniformly random eligible card is
taken with probability ``exploration``, and the logged probability is the exact chance
of the card shown, ``(1 - exploration) + exploration / n`` for the best card and
``exploration / n`` for any other, so the logs support off-policy evaluation.
"""

from __future__ import annotations

from abc import abstractmethod

import numpy as np

from knowledge_tracing.policies.base import Candidates, Decision, SchedulingPolicy
from knowledge_tracing.policies.rules import DEFAULT_COOLDOWN_SECONDS, decision_for, eligible_mask


class RankingPolicy(SchedulingPolicy):
    """Chooses the eligible card with the highest ``score`` (ties: the first one)."""

    needs_predictions = True
    intervals_from_model = True  # a card this model-driven policy chose falls due when the model forecasts the target

    def __init__(self, *, cooldown_seconds: float = DEFAULT_COOLDOWN_SECONDS, exploration: float = 0.0) -> None:
        if not 0.0 <= exploration <= 1.0:
            raise ValueError(f"exploration must lie in [0, 1], got {exploration}")
        self.cooldown_seconds = cooldown_seconds
        self.exploration = exploration

    @abstractmethod
    def score(self, candidates: Candidates) -> np.ndarray:
        """Higher is better; NaN marks a card the policy would not show now."""

    def choose(self, candidates: Candidates, *, now: float, rng: np.random.Generator) -> Decision | None:
        if len(candidates) == 0:
            return None
        eligible = eligible_mask(candidates, now=now, cooldown_seconds=self.cooldown_seconds)
        scores = np.where(eligible, self.score(candidates), np.nan)
        showable = np.flatnonzero(~np.isnan(scores))
        if len(showable) == 0:
            return None
        best = int(showable[np.argmax(scores[showable])])
        if self.exploration == 0.0:
            return decision_for(candidates, best, policy=self.name, probability=1.0)
        uniform_share = self.exploration / len(showable)
        chosen = int(rng.choice(showable)) if rng.random() < self.exploration else best
        probability = uniform_share + (1.0 - self.exploration if chosen == best else 0.0)
        return decision_for(candidates, chosen, policy=self.name, probability=probability)


def required_predictions(candidates: Candidates, policy: str, *names: str) -> list[np.ndarray]:
    """The prediction arrays a policy needs, as float arrays; a clear error when one is missing.

    A NaN for a single card only keeps that card out; an array that is absent or all
    NaN means no model is serving predictions, which is a configuration error.
    """
    arrays = []
    for name in names:
        values = getattr(candidates, name)
        if values is None or np.isnan(np.asarray(values, dtype=np.float64)).all():
            raise ValueError(f"the {policy!r} policy needs candidates.{name} (model predictions)")
        arrays.append(np.asarray(values, dtype=np.float64))
    return arrays
