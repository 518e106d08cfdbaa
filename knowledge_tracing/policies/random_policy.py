"""Random: the control arm of experiments; every eligible card is equally likely (probability 1/n)."""

from __future__ import annotations

import numpy as np

from knowledge_tracing.policies.base import Candidates, Decision, SchedulingPolicy, register_policy
from knowledge_tracing.policies.rules import DEFAULT_COOLDOWN_SECONDS, decision_for, eligible_mask


@register_policy
class RandomPolicy(SchedulingPolicy):
    name = "random"

    def __init__(self, *, cooldown_seconds: float = DEFAULT_COOLDOWN_SECONDS) -> None:
        self.cooldown_seconds = cooldown_seconds

    def choose(self, candidates: Candidates, *, now: float, rng: np.random.Generator) -> Decision | None:
        if len(candidates) == 0:
            return None
        eligible = np.flatnonzero(eligible_mask(candidates, now=now, cooldown_seconds=self.cooldown_seconds))
        chosen = int(rng.choice(eligible))
        return decision_for(candidates, chosen, policy=self.name, probability=1.0 / len(eligible))
