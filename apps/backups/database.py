"""The database's part of a backup: a dump made by the engine's own tool, and the row counts of the same snapshot.

SQLite: Python's binding of SQLite's online backup API copies the live database in one
step under a read lock, so the copy is a consistent snapshot while the site writes
(writers wait for the copy, as they wait for any reader); the counts are taken from the
copy itself. Restoring runs the same API the other way, page by page into the live
connection, which is safe whatever the journal mode, unlike copying the file over.

PostgreSQL: django-dbbackup's ``PgDumpBinaryConnector`` runs ``pg_dump --format=custom``
and ``pg_restore`` with the connection settings Django uses (host, port, user, password,
TLS options). A repeatable-read transaction exports its snapshot (``pg_export_snapshot``),
counts every table in it and keeps it open while ``pg_dump --snapshot`` dumps exactly
what it counted. The restore is one transaction (``--single-transaction``), owned by
the restoring user (``--no-owner --no-acl``).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from dbbackup.db.exceptions import CommandConnectorError
from dbbackup.db.postgresql import PgDumpBinaryConnector
from django.core.files import File
from django.db import DEFAULT_DB_ALIAS, connection, connections

SQLITE = "sqlite"
SQLITE_LOCK_TIMEOUT_SECONDS = 20  # as long as the site's own connections wait for a lock (config/settings.py)
POSTGRESQL = "postgresql"


class DatabaseRestoreFailed(RuntimeError):
    """The engine's tool refused the dump."""


def engine() -> str:
    """``sqlite`` or ``postgresql``: the engine of the default database (no other is supported)."""
    vendor = connection.vendor
    if vendor not in (SQLITE, POSTGRESQL):
        raise NotImplementedError(f"backups support SQLite and PostgreSQL, not {vendor}")
    return vendor


def dump_tool_version() -> str:
    """What made the dump: SQLite's library version, or ``pg_dump --version``."""
    if engine() == SQLITE:
        return f"SQLite {sqlite3.sqlite_version}"
    return subprocess.run(["pg_dump", "--version"], capture_output=True, text=True, check=True).stdout.strip()


def _count_rows(cursor, tables: list[str], quote) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT count(*) FROM {quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _applied_migrations(cursor, quote) -> list[str]:
    cursor.execute(f"SELECT app, name FROM {quote('django_migrations')} ORDER BY app, name")
    return [f"{app}.{name}" for app, name in cursor.fetchall()]


def table_row_counts() -> dict[str, int]:
    """Rows in every table of the live database, by table name."""
    with connection.cursor() as cursor:
        return _count_rows(cursor, sorted(connection.introspection.table_names(cursor)), connection.ops.quote_name)


def database_dump(path: Path) -> tuple[dict[str, int], list[str]]:
    """Write the dump to ``path``; return the row count of every table and the applied migrations, of the dumped snapshot."""
    return _sqlite_dump(path) if engine() == SQLITE else _postgresql_dump(path)


def database_restore(path: Path) -> None:
    """Replace the default database's content with the dump at ``path``; every connection of this process is closed first."""
    connections.close_all()
    if engine() == SQLITE:
        _sqlite_restore(path)
    else:
        _postgresql_restore(path)
    connections.close_all()


def _read_only_uri(path: Path) -> str:
    """An SQLite URI opening ``path`` read-only (percent-encoded, so any file name works)."""
    return f"{path.resolve().as_uri()}?mode=ro"


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_dump(path: Path) -> tuple[dict[str, int], list[str]]:
    # A connection of its own: it reads what is committed, whatever transaction Django's connection is in.
    source = sqlite3.connect(_read_only_uri(Path(connection.settings_dict["NAME"])), uri=True, timeout=SQLITE_LOCK_TIMEOUT_SECONDS)
    copy = sqlite3.connect(path)
    try:
        source.backup(copy)  # pages=-1: one step, one read lock, one snapshot
        cursor = copy.cursor()
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        tables = [row[0] for row in cursor.fetchall()]
        return _count_rows(cursor, tables, _sqlite_quote), _applied_migrations(cursor, _sqlite_quote)
    finally:
        source.close()
        copy.close()


def sqlite_dump_problem(path: Path) -> str | None:
    """Why the file is not a sound SQLite database (``PRAGMA integrity_check``'s first complaint), or None."""
    try:
        with sqlite3.connect(_read_only_uri(path), uri=True) as dump:
            verdict = dump.execute("PRAGMA integrity_check").fetchone()[0]
        dump.close()
    except sqlite3.DatabaseError as error:
        return str(error)
    return None if verdict == "ok" else verdict


def _sqlite_restore(path: Path) -> None:
    connection.ensure_connection()
    with sqlite3.connect(_read_only_uri(path), uri=True) as dump:
        dump.backup(connection.connection)
    dump.close()


def _pg_connector() -> PgDumpBinaryConnector:
    connector = PgDumpBinaryConnector(DEFAULT_DB_ALIAS)
    connector.pg_options = ["--no-owner", "--no-acl"]
    return connector


def _postgresql_dump(path: Path) -> tuple[dict[str, int], list[str]]:
    snapshot_holder = connections.create_connection(DEFAULT_DB_ALIAS)  # its own connection: the snapshot outlives no request
    try:
        with snapshot_holder.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            tables = sorted(snapshot_holder.introspection.table_names(cursor))
            counts = _count_rows(cursor, tables, snapshot_holder.ops.quote_name)
            migrations = _applied_migrations(cursor, snapshot_holder.ops.quote_name)
            connector = _pg_connector()
            connector.dump_suffix = f"--snapshot={snapshot}"
            dump = connector.create_dump()
            with path.open("wb") as target:
                shutil.copyfileobj(dump, target)
            cursor.execute("COMMIT")
    finally:
        snapshot_holder.close()
    return counts, migrations


def _postgresql_restore(path: Path) -> None:
    try:
        with path.open("rb") as dump:
            _pg_connector().restore_dump(File(dump))
    except CommandConnectorError as error:
        raise DatabaseRestoreFailed(str(error)) from error
