"""The interface between a scheduling policy and whoever asks it for the next card.

The web application (and the learner simulator) gathers the learner's candidate
cards with whatever each policy needs (due dates, predicted recall now and one day
ahead), and the policy returns its choice together with the probability with which
it made it, so every decision can be logged and later evaluated off-policy.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, fields

import numpy as np

from knowledge_tracing.models.incremental import CandidatePredictions
from knowledge_tracing.registry import Registry

PREDICTION_NAMES = frozenset(field.name for field in fields(CandidatePredictions))

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
        last_answered_at: when the learner last answered the card, NaN if never.
        predictions: the active model's ``CandidatePredictions`` for these cards, in the
            same order (``CandidatePredictions.attach_to``); None without a model. Its
            arrays read as the candidates' own (``candidates.predicted_recall``), None
            without predictions, so there is one declaration of what a model predicts.
        in_learning: True for studied cards in (re)learning steps, due again within
            minutes (optional; without it no card is in learning). The shared rules
            show such a card as soon as its step is over, before anything else.
    """

    card_ids: np.ndarray
    is_new: np.ndarray
    due_at: np.ndarray
    last_answered_at: np.ndarray
    predictions: CandidatePredictions | None = None
    in_learning: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.card_ids)

    def __getattr__(self, name: str):
        """A prediction array by its ``CandidatePredictions`` name (None without predictions); only called for names not found otherwise."""
        if name not in PREDICTION_NAMES:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        predictions = self.__dict__.get("predictions")
        return None if predictions is None else getattr(predictions, name)


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
