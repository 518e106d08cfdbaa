"""Which scheduling policy and which student model choose a learner's next card of a deck.

The policy is the learner's arm when an experiment runs on the deck, else the one
asked for, else ``MNEMO_DEFAULT_POLICY``; policies are looked up by name in the
library's registry. Whenever a model is active for the deck its predictions are
logged, whatever the policy; a policy that chooses by predictions (``model_due``,
``delta``, ``recall_target``) falls back to ``fsrs`` when no model is active, with the
reason in the application log.

A served model that fails while choosing (its artifact cannot be loaded, scoring the
candidates raises, its predictions cannot be ranked) never costs the learner a card:
``choose_next_card`` chooses with ``fsrs`` instead, says so in the ``Choice`` (the
showing records it) and logs the error with its traceback at ERROR, so the failure
is seen, not hidden (the test suite fails on it).
"""

import logging
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.conf import settings
from django.db import transaction

from apps.cards.models import Deck
from apps.study.candidate_predictions import candidates_with_predictions
from apps.study.experiment_arms import arm_for_learner_studying
from apps.study.models import FALLBACK_REASON_MAX_LENGTH
from apps.study.student_model import ServedModel, active_model
from knowledge_tracing.policies import Candidates, Decision, SchedulingPolicy, create_policy  # registers every policy

FALLBACK_POLICY = "fsrs"

logger = logging.getLogger(__name__)


def configured_policy(name: str | None = None) -> SchedulingPolicy:
    """The policy called ``name``, or the one in ``MNEMO_DEFAULT_POLICY``."""
    return create_policy(name or settings.MNEMO_DEFAULT_POLICY)


@dataclass(frozen=True)
class SchedulingPlan:
    """The policy that chooses, and the served model whose predictions it sees (None: no model active).

    ``fallback_reason`` is set when the active model could not even be loaded.
    """

    policy: SchedulingPolicy
    model: ServedModel | None
    fallback_reason: str = ""


@dataclass(frozen=True)
class Choice:
    """The policy's decision (None: nothing to show), the version asked to score, and why it fell back (blank: it did not)."""

    decision: Decision | None
    model_version: str | None
    fallback_reason: str = ""


def _failure_text(failure: Exception) -> str:
    return f"{type(failure).__name__}: {failure}"[:FALLBACK_REASON_MAX_LENGTH]


def scheduling_plan(*, learner, deck: Deck, policy_name: str | None = None, now: datetime) -> SchedulingPlan:
    """The plan for ``learner`` studying ``deck``; an explicit ``policy_name`` bypasses experiments."""
    model_kind = None
    if policy_name is None:
        arm = arm_for_learner_studying(learner=learner, deck=deck, now=now)
        if arm is not None:
            policy_name, model_kind = arm.policy, arm.model_kind or None
    policy = configured_policy(policy_name)
    try:
        model, fallback_reason = active_model(deck=deck, kind=model_kind, learner=learner), ""
    except Exception as failure:
        logger.exception(
            "loading the active %s model for deck %s failed; choosing with %r", model_kind or "student", deck.uuid, FALLBACK_POLICY
        )
        model, fallback_reason = None, f"loading the model failed: {_failure_text(failure)}"[:FALLBACK_REASON_MAX_LENGTH]
    if model is None and policy.needs_predictions:
        if not fallback_reason:
            logger.log(
                logging.DEBUG if policy_name is None else logging.WARNING,  # the default policy before any model: expected
                "policy %r needs model predictions but no %s model is active for deck %s; choosing with %r instead",
                policy.name, model_kind or "student", deck.uuid, FALLBACK_POLICY,
            )
        policy = configured_policy(FALLBACK_POLICY)
    return SchedulingPlan(policy=policy, model=model, fallback_reason=fallback_reason)


def choose_next_card(
    plan: SchedulingPlan, candidates: Candidates, *, learner, deck: Deck, target_retention: float, now: datetime
) -> Choice:
    """The plan's choice among ``candidates``; FSRS due order (``FALLBACK_POLICY``) when the model fails.

    Scoring runs in a savepoint, so a database error inside it leaves the caller's
    transaction usable for the fallback's own writes.
    """
    rng = np.random.default_rng()
    policy = plan.policy.for_learner(target_retention=target_retention)
    if plan.model is None:
        return Choice(policy.choose(candidates, now=now.timestamp(), rng=rng), None, plan.fallback_reason)
    try:
        with transaction.atomic():
            scored = candidates_with_predictions(candidates, learner=learner, deck=deck, served=plan.model, now=now)
            return Choice(policy.choose(scored, now=now.timestamp(), rng=rng), plan.model.version)
    except Exception as failure:
        logger.exception(
            "model %s failed to choose for learner %s on deck %s; choosing with %r instead",
            plan.model.version, learner.pk, deck.uuid, FALLBACK_POLICY,
        )
        fallback = configured_policy(FALLBACK_POLICY).for_learner(target_retention=target_retention)
        return Choice(fallback.choose(candidates, now=now.timestamp(), rng=rng), plan.model.version, _failure_text(failure))
