"""Refusing a run whose scope would not fit in the worker's memory, before it reads a single log.

An out-of-memory kill takes the worker's pool child with the run's lease: the run sits
"running" until the stale-run recovery retries it (to be killed again) and finally fails
it with no word on why. Counting the scope's logs is one indexed query, and a kind's
peak memory grows about linearly with the logs it trains on, so the run estimates its
peak (a fixed base for the interpreter, Django, PyTorch and the vocabulary, plus the
kind's bytes per log) and fails at once, with both figures in its message, when the
estimate exceeds ``MNEMO_TRAINING_MEMORY_MB``. The bytes per log of fsrs6, logreg and
karl are their peak's growth from 100,000 to 1,000,000 generated logs as
``bench/training_scale.py`` measured it through the app's table build (docs/training.md:
483, 1,632 and 1,293 bytes, rounded up); the others are estimates to be replaced by that
bench's figures at two sizes.
"""

from __future__ import annotations

from django.conf import settings

BASE_MB = 650
# Peak bytes per study log of each kind on top of BASE_MB (see above). logreg is not trained by the app;
# its figure is for the bench, which builds tables the same way.
BYTES_PER_LOG = {"fsrs6": 500, "fsrs7": 600, "hlr": 500, "logreg": 1_700, "karl": 1_300, "dkt": 1_500, "cakt": 2_500}


class ScopeTooLarge(Exception):
    """The run's estimated peak memory exceeds the worker's budget; the run fails with this message."""


def estimated_peak_mb(*, kind: str, n_logs: int) -> float:
    return BASE_MB + n_logs * BYTES_PER_LOG[kind] / 2**20


def memory_budget_check(*, kind: str, n_logs: int, scope_key: str) -> None:
    """ScopeTooLarge, with the figures and what to do, when ``n_logs`` logs of ``kind`` would not fit."""
    budget = settings.MNEMO_TRAINING_MEMORY_MB
    estimate = estimated_peak_mb(kind=kind, n_logs=n_logs)
    if estimate > budget:
        raise ScopeTooLarge(
            f"scope {scope_key} has {n_logs:,} study logs: training {kind} on them needs about {estimate:,.0f} MB "
            f"({BASE_MB} MB + {n_logs:,} logs × {BYTES_PER_LOG[kind]:,} bytes), more than MNEMO_TRAINING_MEMORY_MB "
            f"({budget:,} MB); train a smaller scope (a deck or a cohort) or give the workers more memory and raise the setting"
        )
