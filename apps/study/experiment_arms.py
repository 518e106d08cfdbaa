"""The experiment arm a learner studies under, as the study service sees it: a policy name and a model kind.

Experiments sit above studying (they assign learners to arms and read their study logs),
so the study app never imports them. The experiments app registers a provider once at
start-up (``assign_arms_with`` from its AppConfig.ready), as the modeling app does for
``student_model.active_model``; without a provider no experiment runs and every learner
studies with the configured policy.
"""

from datetime import datetime
from typing import Protocol

from apps.cards.models import Deck


class StudyArm(Protocol):
    policy: str
    model_kind: str
    """Blank: the active model of any kind."""


class ArmProvider(Protocol):
    def __call__(self, *, learner, deck: Deck, now: datetime | None = None) -> StudyArm | None:
        """The learner's arm in the experiment running on ``deck``; None when none runs there."""


_provider: ArmProvider | None = None


def assign_arms_with(provider: ArmProvider | None) -> ArmProvider | None:
    """Install the function that finds a learner's arm (None removes it); return the one it replaces."""
    global _provider
    previous, _provider = _provider, provider
    return previous


def arm_for_learner_studying(*, learner, deck: Deck, now: datetime | None = None) -> StudyArm | None:
    """The learner's arm on ``deck`` now, or None when no experiment runs there (or none is installed)."""
    return None if _provider is None else _provider(learner=learner, deck=deck, now=now)
