"""Rules every policy and every caller share: learning steps first, recent-answer cooldown, daily limits, the logged decision.

Kept in one place so that the web application, the learner simulator and each policy
apply exactly the same rules.
"""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np

from knowledge_tracing.policies.base import Candidates, Decision

DEFAULT_COOLDOWN_SECONDS = 300.0


def learning_mask(candidates: Candidates) -> np.ndarray:
    """Studied cards in (re)learning steps (``Candidates.in_learning``); none when the caller does not say."""
    if candidates.in_learning is None:
        return np.zeros(len(candidates), dtype=bool)
    return np.asarray(candidates.in_learning, dtype=bool) & ~np.asarray(candidates.is_new, dtype=bool)


def learn_ahead_mask(candidates: Candidates) -> np.ndarray:
    """Only the learning card due soonest (none when no card is in learning): what Anki shows when nothing else is left."""
    learning = np.flatnonzero(learning_mask(candidates))
    mask = np.zeros(len(candidates), dtype=bool)
    if len(learning):
        mask[learning[np.argmin(np.asarray(candidates.due_at, dtype=np.float64)[learning])]] = True
    return mask


def eligible_mask(candidates: Candidates, *, now: float, cooldown_seconds: float) -> np.ndarray:
    """The cards a policy may choose among at ``now``, in Anki's order of precedence.

    1. Learning cards whose step is over (due now) come first, whatever the cooldown:
       a card graded Again is the next card shown once its step is over.
    2. Otherwise the other cards not answered within the last ``cooldown_seconds``; a
       learning card whose step is still running waits. A card the learner has just
       answered should not come straight back (it would only measure short-term memory).
    3. Otherwise the learning card due soonest (``learn_ahead_mask``): a session does
       not end while a step is running.
    4. Otherwise every card: an empty screen is worse than a repeat.
    """
    learning = learning_mask(candidates)
    due_at = np.asarray(candidates.due_at, dtype=np.float64)
    learning_due = learning & (due_at <= now)
    if learning_due.any():
        return learning_due
    answered_recently = (now - candidates.last_answered_at) < cooldown_seconds
    mask = ~answered_recently & ~learning  # NaN (never answered) compares False, so it stays eligible
    if mask.any():
        return mask
    if learning.any():
        return learn_ahead_mask(candidates)
    return np.ones(len(candidates), dtype=bool)


def take_candidates(candidates: Candidates, rows: np.ndarray) -> Candidates:
    """The candidates at ``rows`` (indices or mask), their predictions and optional arrays included."""
    columns = {
        field.name: None if getattr(candidates, field.name) is None else np.asarray(getattr(candidates, field.name))[rows]
        for field in fields(candidates)
        if field.name != "predictions"
    }
    predictions = None if candidates.predictions is None else candidates.predictions.take(rows)
    return replace(candidates, **columns, predictions=predictions)


def apply_daily_limits(
    candidates: Candidates,
    *,
    new_studied_today: int,
    reviews_today: int,
    new_per_day: int | None,
    reviews_per_day: int | None,
) -> Candidates:
    """Drop new cards once today's new-card limit is reached, and reviews once the review limit is.

    Cards in learning steps are never dropped: a card already begun today is finished
    today, as in Anki. ``None`` means no limit. Whoever builds the candidate set (the app, the simulator)
    calls this before asking a policy, so every policy respects the same limits.
    """
    keep = np.ones(len(candidates), dtype=bool)
    is_new = np.asarray(candidates.is_new, dtype=bool)
    if new_per_day is not None and new_studied_today >= new_per_day:
        keep &= ~is_new
    if reviews_per_day is not None and reviews_today >= reviews_per_day:
        keep &= is_new | learning_mask(candidates)
    return take_candidates(candidates, keep)


def decision_for(candidates: Candidates, index: int, *, policy: str, probability: float) -> Decision:
    """The logged decision for the card at ``index``: policy, its predicted recall, the choice probability."""
    predicted = np.nan if candidates.predictions is None else float(candidates.predicted_recall[index])
    return Decision(
        card_id=candidates.card_ids[index],
        policy=policy,
        predicted_recall=None if np.isnan(predicted) else predicted,
        probability=float(probability),
    )
