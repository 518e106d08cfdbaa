"""The interface between a scheduling policy and whoever asks it for the next card.

The web application (and the learner simulator) gathers the learner's candidate
cards with whatever each policy needs (due dates, predicted recall now and one day
ahead), and the policy returns its choice together with the probability with which
it made it, so every decision can be logged and later evaluated off-policy.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from knowledge_tracing.registry import Registry

POLICY_REGISTRY = Registry("policy", "policies")


def register_policy(cls: type["SchedulingPolicy"]) -> type["SchedulingPolicy"]:
    """Class decorator: make a policy available by its ``name``."""
    return POLICY_REGISTRY.register(cls)


def create_policy(name: str, **options) -> "SchedulingPolicy":
    """Instantiate a registered policy by name (import ``knowledge_tracing.policies`` first)."""
    return POLICY_REGISTRY.create(name, **options)


@dataclass(frozen=True)
class Candidates:
    """The cards a learner may see next, one entry per card (parallel arrays).

    Attributes:
        card_ids: identifiers of the candidate cards (any hashable values).
        is_new: True for cards the learner has never studied.
        due_at: FSRS due time (seconds since the epoch), NaN for new cards.
        predicted_recall: the active model's P(recall) now, NaN without a model.
        last_answered_at: when the learner last answered the card, NaN if never.
        recall_if_correct_tomorrow: predicted recall one day from now if the card
            is answered correctly now (optional; the delta policy needs it).
        recall_if_wrong_tomorrow: the same if it is answered wrongly now.
        recall_if_skipped_tomorrow: predicted recall one day from now if the card
            is not studied now.
        in_learning: True for studied cards in (re)learning steps, due again within
            minutes (optional; without it no card is in learning). The shared rules
            show such a card as soon as its step is over, before anything else.
    """

    card_ids: np.ndarray
    is_new: np.ndarray
    due_at: np.ndarray
    predicted_recall: np.ndarray
    last_answered_at: np.ndarray
    recall_if_correct_tomorrow: np.ndarray | None = None
    recall_if_wrong_tomorrow: np.ndarray | None = None
    recall_if_skipped_tomorrow: np.ndarray | None = None
    in_learning: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.card_ids)


@dataclass(frozen=True)
class Decision:
    """The card chosen, and what to log about the choice."""

    card_id: object
    policy: str
    predicted_recall: float | None
    probability: float


class SchedulingPolicy(ABC):
    """Chooses one card among candidates; ``None`` when nothing should be studied now."""

    name: str
    needs_predictions = False
    """True when the policy chooses from a model's predictions (without a model, the app falls back to ``fsrs``)."""
    intervals_from_model = False
    """True when the due date after an answer is the model's forecast (``policies.intervals``), not FSRS's."""

    @abstractmethod
    def choose(self, candidates: Candidates, *, now: float, rng: np.random.Generator) -> Decision | None:
        """Pick the next card at time ``now`` (seconds since the epoch)."""

    def for_learner(self, *, target_retention: float) -> "SchedulingPolicy":
        """This policy as it acts for a learner with these settings; most policies need none of them."""
        return self
