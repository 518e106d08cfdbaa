"""KARL's delta policy: show the card whose study now changes tomorrow's recall the most.

For each candidate, with p_now the predicted recall now, p_c and p_w the predicted
recall one day later after a correct or a wrong answer now, and p_ns the predicted
recall one day later without studying it now (predicted at now + 1 day, not at now):

    score = |p_now * p_c + (1 - p_now) * p_w - p_ns|

the expected gain in tomorrow's recall from studying the card now (Shu et al., EMNLP
2024). New cards are scored by the same model, so a new card close to well-known cards
ranks differently from one close to forgotten cards.
"""

from __future__ import annotations

import numpy as np

from knowledge_tracing.policies.base import Candidates, register_policy
from knowledge_tracing.policies.ranking import RankingPolicy, required_predictions


@register_policy
class DeltaPolicy(RankingPolicy):
    name = "delta"

    def score(self, candidates: Candidates) -> np.ndarray:
        p_now, p_correct, p_wrong, p_skipped = required_predictions(
            candidates,
            self.name,
            "predicted_recall",
            "recall_if_correct_tomorrow",
            "recall_if_wrong_tomorrow",
            "recall_if_skipped_tomorrow",
        )
        return np.abs(p_now * p_correct + (1.0 - p_now) * p_wrong - p_skipped)
