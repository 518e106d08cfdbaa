"""The scheduling policy that chooses the next card, looked up by name in the library's registry."""

from django.conf import settings

import knowledge_tracing.policies  # noqa: F401  (registers the library's policies)
from knowledge_tracing.policies import fsrs_due  # noqa: F401  (registers "fsrs")
from knowledge_tracing.policies.base import SchedulingPolicy, create_policy


def configured_policy(name: str | None = None) -> SchedulingPolicy:
    """The policy called ``name``, or the one in ``MNEMO_DEFAULT_POLICY``."""
    return create_policy(name or settings.MNEMO_DEFAULT_POLICY)
