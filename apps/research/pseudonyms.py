"""Learner pseudonyms: an HMAC-SHA256 of the user id, keyed from the environment.

Stable for one key (the same learner has the same pseudonym in every export), not
reversible without the key, and never the id or username. Rotating the key makes
every pseudonym new, which is how a deployment unlinks old exports from new ones.
"""

import hashlib
import hmac
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PSEUDONYM_HEX_DIGITS = 24


def pseudonym_key() -> bytes:
    key = settings.MNEMO_RESEARCH_PSEUDONYM_KEY
    if not key:
        raise ImproperlyConfigured("MNEMO_RESEARCH_PSEUDONYM_KEY must be set to export study logs when DEBUG is off")
    return key.encode("utf-8")


def learner_pseudonymiser(key: bytes | None = None):
    """A function from user id to pseudonym, memoised: an export repeats each learner many times."""
    key = pseudonym_key() if key is None else key

    @lru_cache(maxsize=100_000)
    def pseudonym(user_id: int) -> str:
        digest = hmac.new(key, f"learner:{user_id}".encode("ascii"), hashlib.sha256).hexdigest()
        return digest[:PSEUDONYM_HEX_DIGITS]

    return pseudonym
