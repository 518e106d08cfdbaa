"""Rules every policy and every caller share: recent-answer cooldown, daily limits, the logged decision.

Kept in one place so that the web application, the learner simulator and each policy
apply exactly the same rules.
"""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np

from knowledge_tracing.policies.base import Candidates, Decision

DEFAULT_COOLDOWN_SECONDS = 300.0


def eligible_mask(candidates: Candidates, *, now: float, cooldown_seconds: float) -> np.ndarray:
    """Cards not answered within the last ``cooldown_seconds``; every card when that leaves none.

    A card the learner has just answered should not come straight back (it would only
    measure short-term memory), but an empty screen is worse than a repeat.
    """
    answered_recently = (now - candidates.last_answered_at) < cooldown_seconds
    mask = ~answered_recently  # NaN (never answered) compares False, so it stays eligible
    if not mask.any():
        return np.ones(len(candidates), dtype=bool)
    return mask


def take_candidates(candidates: Candidates, rows: np.ndarray) -> Candidates:
    """The candidates at ``rows`` (indices or mask), optional prediction arrays included."""
    columns = {
        field.name: None if getattr(candidates, field.name) is None else np.asarray(getattr(candidates, field.name))[rows]
        for field in fields(candidates)
    }
    return replace(candidates, **columns)


def apply_daily_limits(
    candidates: Candidates,
    *,
    new_studied_today: int,
    reviews_today: int,
    new_per_day: int | None,
    reviews_per_day: int | None,
) -> Candidates:
    """Drop new cards once today's new-card limit is reached, and reviews once the review limit is.

    ``None`` means no limit. Whoever builds the candidate set (the app, the simulator)
    calls this before asking a policy, so every policy respects the same limits.
    """
    keep = np.ones(len(candidates), dtype=bool)
    is_new = np.asarray(candidates.is_new, dtype=bool)
    if new_per_day is not None and new_studied_today >= new_per_day:
        keep &= ~is_new
    if reviews_per_day is not None and reviews_today >= reviews_per_day:
        keep &= is_new
    return take_candidates(candidates, keep)


def decision_for(candidates: Candidates, index: int, *, policy: str, probability: float) -> Decision:
    """The logged decision for the card at ``index``: policy, its predicted recall, the choice probability."""
    predicted = float(candidates.predicted_recall[index])
    return Decision(
        card_id=candidates.card_ids[index],
        policy=policy,
        predicted_recall=None if np.isnan(predicted) else predicted,
        probability=float(probability),
    )
