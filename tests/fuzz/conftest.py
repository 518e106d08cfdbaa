"""Hypothesis profiles of the fuzz tests: ``fast`` (the default, in the suite) and ``long`` (a documented command).

    HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/fuzz -p no:cacheprovider -q

``fast`` tries a few dozen inputs per target, seconds each. ``long`` tries a thousand
per target (schemathesis: per operation and phase) and keeps the failing examples it
finds in ``var/hypothesis`` so that the next run replays them first; its figures are in docs/security.md. Neither sets a deadline: time
is bounded by the inputs' limits, and the long run's slowest example is reported
(``--hypothesis-show-statistics``) instead of asserted on a shared machine.
"""

import os

from django.conf import settings as django_settings
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

SUPPRESSED = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]

settings.register_profile("fast", max_examples=40, deadline=None, database=None, suppress_health_check=SUPPRESSED, derandomize=True)
settings.register_profile(
    "long", max_examples=1000, deadline=None, suppress_health_check=SUPPRESSED,
    database=DirectoryBasedExampleDatabase(str(django_settings.BASE_DIR / "var" / "hypothesis")),
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))
