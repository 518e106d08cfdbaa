"""Recall target: show the card whose predicted recall is closest to the learner's target retention.

Studying a card at about the retention the learner wants keeps each review desirably
difficult. The target is the learner's own (``for_learner(target_retention=...)``, as the
app does with the learner's settings), 0.85 when none is given. With a ``window``, only cards within ``target ± window``
are shown; when none is, the policy returns ``None`` (nothing worth studying now).
"""

from __future__ import annotations

import numpy as np

from knowledge_tracing.policies.base import Candidates, register_policy
from knowledge_tracing.policies.ranking import RankingPolicy, required_predictions

DEFAULT_TARGET_RETENTION = 0.85


@register_policy
class RecallTargetPolicy(RankingPolicy):
    name = "recall_target"

    def __init__(self, *, target: float = DEFAULT_TARGET_RETENTION, window: float | None = None, **options) -> None:
        if not 0.0 < target < 1.0:
            raise ValueError(f"target retention must lie in (0, 1), got {target}")
        if window is not None and window <= 0.0:
            raise ValueError(f"window must be positive, got {window}")
        super().__init__(**options)
        self.target = target
        self.window = window

    def for_learner(self, *, target_retention: float) -> "RecallTargetPolicy":
        return RecallTargetPolicy(
            target=target_retention, window=self.window, cooldown_seconds=self.cooldown_seconds, exploration=self.exploration
        )

    def score(self, candidates: Candidates) -> np.ndarray:
        (p_now,) = required_predictions(candidates, self.name, "predicted_recall")
        distance = np.abs(p_now - self.target)
        if self.window is not None:
            distance = np.where(distance <= self.window, distance, np.nan)
        return -distance
