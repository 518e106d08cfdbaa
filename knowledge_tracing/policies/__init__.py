"""Scheduling policies: given a learner's candidate cards, choose the next one.

Importing this package registers every policy, so ``create_policy("delta")`` works.
"""

from knowledge_tracing.policies import delta, fsrs_due, model_due, random_policy, recall_target  # noqa: F401  (registers them)
from knowledge_tracing.policies.base import (
    POLICY_REGISTRY,
    Candidates,
    Decision,
    SchedulingPolicy,
    create_policy,
    register_policy,
)
from knowledge_tracing.policies.rules import apply_daily_limits

__all__ = [
    "POLICY_REGISTRY",
    "Candidates",
    "Decision",
    "SchedulingPolicy",
    "apply_daily_limits",
    "create_policy",
    "register_policy",
]
