"""Reads for accounts: who an API token belongs to."""

from apps.accounts.models import ApiToken
from apps.accounts.services import token_digest


def api_token_find(*, raw_key: str) -> ApiToken | None:
    """The active user's token with this raw key, or None.

    The user's learner settings come in the same query: every study request reads them.
    """
    return (
        ApiToken.objects.select_related("user__learner_settings")
        .filter(key_digest=token_digest(raw_key), user__is_active=True)
        .first()
    )
