"""A deadline for the database work of one search, so a query that would scan too long is stopped, not waited for.

PostgreSQL stops it with ``statement_timeout`` (set for the transaction only); SQLite
with a progress handler that interrupts the statement once the deadline has passed.
Either way the caller gets ``SearchTooSlow`` and shows a message instead of hanging.
"""

import time
from contextlib import contextmanager

from django.db import OperationalError, connection, transaction

SEARCH_TIME_LIMIT_S = 10
SQLITE_CHECK_EVERY = 20_000  # virtual-machine steps between two looks at the clock


class SearchTooSlow(Exception):
    """The search ran past its time limit and was stopped."""


@contextmanager
def search_time_limit(seconds: float | None = None):
    """Run the block's queries under a deadline of ``seconds`` (SEARCH_TIME_LIMIT_S by default); SearchTooSlow when they pass it."""
    seconds = SEARCH_TIME_LIMIT_S if seconds is None else seconds
    if connection.vendor == "postgresql":
        with _postgresql_limit(seconds):
            yield
    elif connection.vendor == "sqlite":
        with _sqlite_limit(seconds):
            yield
    else:
        yield


@contextmanager
def _postgresql_limit(seconds: float):
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [str(max(1, int(seconds * 1000)))])
            yield
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout TO DEFAULT")
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == "57014":  # query_canceled
            raise SearchTooSlow from error
        raise


@contextmanager
def _sqlite_limit(seconds: float):
    connection.ensure_connection()
    deadline = time.monotonic() + seconds
    database = connection.connection
    steps = SQLITE_CHECK_EVERY
    database.set_progress_handler(lambda: time.monotonic() > deadline, steps)
    try:
        yield
    except OperationalError as error:
        if "interrupted" in str(error):
            raise SearchTooSlow from error
        raise
    finally:
        database.set_progress_handler(None, steps)
