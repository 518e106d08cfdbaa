"""FSRS due-date policy: the overdue review that fell due first, otherwise the first new card.

The scheduling of the ``fsrs`` package (FSRS-6) puts each studied card's next review
at the time its recall is predicted to fall to the learner's target retention. This
policy follows those due dates the way Anki does: reviews due now come before new
cards, the longest-waiting review first, and new cards in the order given (the deck's
order). Learning cards whose step is over come first (the shared rules say so, and
they are due now, so the longest waiting of them is taken); when no review is due and
no new card is left, the learning card due soonest is shown rather than nothing, as
Anki does. Cards answered within the shared cooldown are held back unless nothing else
is left. It is deterministic, so every decision is logged with probability 1.0.
"""

from __future__ import annotations

import numpy as np

from knowledge_tracing.policies.base import Candidates, Decision, SchedulingPolicy, register_policy
from knowledge_tracing.policies.rules import DEFAULT_COOLDOWN_SECONDS, decision_for, eligible_mask, learn_ahead_mask


@register_policy
class FsrsDuePolicy(SchedulingPolicy):
    name = "fsrs"

    def __init__(self, *, cooldown_seconds: float = DEFAULT_COOLDOWN_SECONDS) -> None:
        self.cooldown_seconds = cooldown_seconds

    def choose(self, candidates: Candidates, *, now: float, rng: np.random.Generator) -> Decision | None:
        if len(candidates) == 0:
            return None
        eligible = eligible_mask(candidates, now=now, cooldown_seconds=self.cooldown_seconds)
        is_new = np.asarray(candidates.is_new, dtype=bool)
        due_at = np.asarray(candidates.due_at, dtype=np.float64)
        due_reviews = np.flatnonzero(eligible & ~is_new & (due_at <= now))
        if len(due_reviews):
            chosen = int(due_reviews[np.argmin(due_at[due_reviews])])
            return decision_for(candidates, chosen, policy=self.name, probability=1.0)
        new_cards = np.flatnonzero(eligible & is_new)
        if len(new_cards):
            return decision_for(candidates, int(new_cards[0]), policy=self.name, probability=1.0)
        learning_ahead = np.flatnonzero(learn_ahead_mask(candidates))
        if len(learning_ahead):
            return decision_for(candidates, int(learning_ahead[0]), policy=self.name, probability=1.0)
        return None
