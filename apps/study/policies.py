"""Which scheduling policy and which student model choose a learner's next card of a deck.

The policy is the learner's arm when an experiment runs on the deck, else the one
asked for, else ``MNEMO_DEFAULT_POLICY``; policies are looked up by name in the
library's registry. Whenever a model is active for the deck its predictions are
logged, whatever the policy; a policy that ranks cards by predictions (``delta``,
``recall_target``) falls back to ``fsrs`` when no model is active, with the reason
in the application log.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from apps.cards.models import Deck
from apps.experiments.services import arm_for_learner_studying
from apps.study.student_model import ServedModel, active_model
from knowledge_tracing.policies import SchedulingPolicy, create_policy  # importing the package registers every policy
from knowledge_tracing.policies.ranking import RankingPolicy

FALLBACK_POLICY = "fsrs"

logger = logging.getLogger(__name__)


def configured_policy(name: str | None = None) -> SchedulingPolicy:
    """The policy called ``name``, or the one in ``MNEMO_DEFAULT_POLICY``."""
    return create_policy(name or settings.MNEMO_DEFAULT_POLICY)


@dataclass(frozen=True)
class SchedulingPlan:
    """The policy that chooses, and the served model whose predictions it sees (None: no model active)."""

    policy: SchedulingPolicy
    model: ServedModel | None


def scheduling_plan(*, learner, deck: Deck, policy_name: str | None = None, now: datetime) -> SchedulingPlan:
    """The plan for ``learner`` studying ``deck``; an explicit ``policy_name`` bypasses experiments."""
    model_kind = None
    if policy_name is None:
        arm = arm_for_learner_studying(learner=learner, deck=deck, now=now)
        if arm is not None:
            policy_name, model_kind = arm.policy, arm.model_kind or None
    policy = configured_policy(policy_name)
    model = active_model(deck=deck, kind=model_kind, learner=learner)
    if model is None and isinstance(policy, RankingPolicy):
        logger.warning(
            "policy %r needs model predictions but no %s model is active for deck %s; choosing with %r instead",
            policy.name, model_kind or "student", deck.uuid, FALLBACK_POLICY,
        )
        policy = configured_policy(FALLBACK_POLICY)
    return SchedulingPlan(policy=policy, model=model)
