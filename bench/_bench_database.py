"""A database of the bench's own, made fresh before the measurement and dropped after it.

The benches fill tens of thousands of rows; the configured database (the app's, or a
developer's) must never see them. On SQLite the database is a file under ``var/``; on
PostgreSQL ``bench_<bench>_<configured name>``, so benches run side by side do not share one.
Import after ``django.setup()``.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

from django.db import connection
from django.test.utils import setup_test_environment

from _project_root import REPO_ROOT


@contextmanager
def bench_database(bench: str) -> Iterator[str]:
    """Switch the default connection to a new, empty, migrated database named after ``bench``; yield its name; drop it."""
    setup_test_environment()
    configured = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = (
        str(REPO_ROOT / "var" / f"bench-{bench}.sqlite3") if connection.vendor == "sqlite" else f"bench_{bench.replace('-', '_')}_{configured}"
    )
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False, serialize=False)
    try:
        yield name
    finally:
        connection.creation.destroy_test_db(configured, verbosity=0)


def bench_database_url(name: str) -> str:
    """``DATABASE_URL`` for the bench database ``name`` on the configured server, for a child process."""
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    configured = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(configured._replace(path=f"/{name}"))
