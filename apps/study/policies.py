"""The scheduling policy that chooses the next card, looked up by name in the library's registry."""

from django.conf import settings

from knowledge_tracing.policies import SchedulingPolicy, create_policy  # importing the package registers every policy


def configured_policy(name: str | None = None) -> SchedulingPolicy:
    """The policy called ``name``, or the one in ``MNEMO_DEFAULT_POLICY``."""
    return create_policy(name or settings.MNEMO_DEFAULT_POLICY)
