"""Model due order: reviews the served model has let fall to the target, then new cards in deck order.

The student model's version of FSRS due order. A studied card is due once the due
date set when it was last answered has passed; with this policy that date is the
model's forecast of when the card's recall falls to the learner's target retention
(``intervals.model_due_times``), so the grade buttons, the stored schedule and the
forecast are one number. Among due reviews the one the model predicts best recalled
*now* comes first (Anki's "retrievability descending": a card just past its due date
is cheap to keep; one long forgotten costs a relearning whichever comes first), then
new cards in deck order, then nothing: like FSRS, it never reviews a card early.

It is the recall-target rule done as a schedule: plain ``recall_target`` shows
whichever card is predicted closest to the target, which right after a review is the
card just reviewed (predicted at 0.9 for a target of 0.85), so in the simulator,
offered every card, it spent 14 to 23 reviews per card learned. It is not the
default: its schedule is only as good as the model's forecast, and with a model that
forecasts low recall soon after answers it keeps bringing cards back within minutes
(``docs/scheduling.md`` has the figures; ``delta`` is the default).
"""

from __future__ import annotations

import numpy as np

from knowledge_tracing.policies.base import Candidates, Decision, SchedulingPolicy, register_policy
from knowledge_tracing.policies.ranking import required_predictions
from knowledge_tracing.policies.recall_target import DEFAULT_TARGET_RETENTION
from knowledge_tracing.policies.rules import DEFAULT_COOLDOWN_SECONDS, decision_for, eligible_mask


@register_policy
class ModelDuePolicy(SchedulingPolicy):
    name = "model_due"
    needs_predictions = True
    intervals_from_model = True

    def __init__(self, *, target: float = DEFAULT_TARGET_RETENTION, cooldown_seconds: float = DEFAULT_COOLDOWN_SECONDS) -> None:
        if not 0.0 < target < 1.0:
            raise ValueError(f"target retention must lie in (0, 1), got {target}")
        self.target = target
        self.cooldown_seconds = cooldown_seconds

    def for_learner(self, *, target_retention: float) -> "ModelDuePolicy":
        return ModelDuePolicy(target=target_retention, cooldown_seconds=self.cooldown_seconds)

    def choose(self, candidates: Candidates, *, now: float, rng: np.random.Generator) -> Decision | None:
        if len(candidates) == 0:
            return None
        (p_now,) = required_predictions(candidates, self.name, "predicted_recall")
        eligible = eligible_mask(candidates, now=now, cooldown_seconds=self.cooldown_seconds)
        is_new = np.asarray(candidates.is_new, dtype=bool)
        due_at = np.asarray(candidates.due_at, dtype=np.float64)
        due_reviews = np.flatnonzero(eligible & ~is_new & (due_at <= now))
        if len(due_reviews):
            chosen = int(due_reviews[np.argmax(np.nan_to_num(p_now[due_reviews], nan=-1.0))])
            return decision_for(candidates, chosen, policy=self.name, probability=1.0)
        new_cards = np.flatnonzero(eligible & is_new)
        if len(new_cards):
            return decision_for(candidates, int(new_cards[0]), policy=self.name, probability=1.0)
        return None
