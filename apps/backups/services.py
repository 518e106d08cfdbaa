"""Taking a backup, restoring one into a fresh installation, and keeping the last N.

A backup is the database dump (``apps.backups.database``: a consistent snapshot while
the site runs), then every file under ``MEDIA_ROOT`` (deck media, uploads waiting to be
imported, and the model artifacts under ``models/``), sealed with a manifest
(``apps.backups.archive``). Media files are written once under new names, so copying
them after the snapshot can only add files the snapshot does not know; a file deleted
between the snapshot and its copy is listed as ``media_vanished``.

A restore checks the whole archive before it changes anything: the manifest's format,
every member's checksum, the engine, and that this Mnemo knows every migration the
archive's database had applied. It then refuses a target that already holds accounts
or media unless told to replace them, restores the database, checks every table's
row count against the manifest, and writes the media files.
"""

from __future__ import annotations

import logging
import platform
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import django
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError
from django.db.migrations.loader import MigrationLoader

from apps.backups import database
from apps.backups.archive import DATABASE_FOLDER, FORMAT, FORMAT_VERSION, MEDIA_FOLDER, ArchiveRefused, ArchiveWriter, archive_open
from apps.modeling.serving import loaded_versions_forget

logger = logging.getLogger(__name__)

ARCHIVE_PREFIX = "mnemo-backup-"
ARCHIVE_SUFFIX = ".tar.gz"


@dataclass(frozen=True)
class RestoreReport:
    tables: int
    rows: int
    media_files: int
    newer_migrations: list[str]


def _mnemo_version() -> str:
    with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["project"]["version"]


def _media_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.is_dir() else []


def backup_create(*, folder: Path, now: datetime | None = None) -> Path:
    """Write ``mnemo-backup-<UTC time>.tar.gz`` into ``folder`` and return its path (written under a temporary name, then renamed)."""
    now = now or datetime.now(timezone.utc)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{ARCHIVE_PREFIX}{now:%Y%m%dT%H%M%S%fZ}{ARCHIVE_SUFFIX}"
    partial = target.with_name(target.name + ".partial")
    engine = database.engine()
    try:
        with tempfile.TemporaryDirectory(dir=folder) as scratch:
            dump = Path(scratch) / "database.dump"
            row_counts, migrations = database.database_dump(dump)
            writer = ArchiveWriter(partial)
            writer.add(dump, f"{DATABASE_FOLDER}/{engine}.dump")
            media_root = Path(settings.MEDIA_ROOT)
            vanished = [
                str(path.relative_to(media_root)) for path in _media_files(media_root)
                if not writer.add(path, f"{MEDIA_FOLDER}/{path.relative_to(media_root).as_posix()}")
            ]
            writer.close({
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "created_at": now.isoformat(),
                "versions": {
                    "mnemo": _mnemo_version(), "django": django.get_version(), "python": platform.python_version(),
                    "dump_tool": database.dump_tool_version(),
                },
                "database": {"engine": engine, "tables": row_counts, "migrations": migrations},
                "media_vanished": vanished,
            })
        partial.rename(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    logger.info("backup %s written: %s tables, %s rows", target, len(row_counts), sum(row_counts.values()))
    return target


def backups_prune(*, folder: Path, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest archives in ``folder`` (and leftovers of interrupted ones); return what was deleted."""
    archives = sorted(folder.glob(f"{ARCHIVE_PREFIX}*{ARCHIVE_SUFFIX}"))
    doomed = archives[: max(0, len(archives) - keep)] + sorted(folder.glob(f"{ARCHIVE_PREFIX}*{ARCHIVE_SUFFIX}.partial"))
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def _unknown_migrations(applied: list[str]) -> tuple[list[str], list[str]]:
    """(migrations the archive applied that this code lacks, migrations of this code the archive never applied)."""
    on_disk = {f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}
    return sorted(set(applied) - on_disk), sorted(on_disk - set(applied))


def _target_holds_data() -> str | None:
    """What the target installation already holds (accounts, media), or None when it is fresh."""
    try:
        accounts = get_user_model().objects.count()
    except DatabaseError:  # no tables yet: a database never migrated
        accounts = 0
    media = len(_media_files(Path(settings.MEDIA_ROOT)))
    held = [f"{accounts} account(s)" if accounts else "", f"{media} media file(s) in {settings.MEDIA_ROOT}" if media else ""]
    return " and ".join(part for part in held if part) or None


def backup_restore(*, archive: Path, replace: bool = False) -> RestoreReport:
    """Restore ``archive`` into this installation's database and media; ArchiveRefused (nothing changed) says why not."""
    with tempfile.TemporaryDirectory() as scratch:
        opened = archive_open(archive, Path(scratch))
        manifest = opened.manifest
        engine = database.engine()
        archived = manifest["database"]
        if archived.get("engine") != engine:
            raise ArchiveRefused(
                f"the archive holds a {archived.get('engine')} database and this installation uses {engine}; "
                "restore it into the same engine"
            )
        unknown, newer = _unknown_migrations(archived.get("migrations", []))
        if unknown:
            raise ArchiveRefused(
                f"the archive was made by a newer Mnemo ({manifest['versions'].get('mnemo')}): {len(unknown)} of its "
                f"migrations are unknown here, first {unknown[0]}; install that version, then restore"
            )
        dump = opened.path(f"{DATABASE_FOLDER}/{engine}.dump")
        if engine == database.SQLITE and (problem := database.sqlite_dump_problem(dump)):
            raise ArchiveRefused(f"the archive's database is not a sound SQLite file: {problem}")
        if not replace and (held := _target_holds_data()):
            raise ArchiveRefused(f"this installation is not fresh: it holds {held}; restore into a new one, or pass --replace")
        try:
            database.database_restore(dump)
        except database.DatabaseRestoreFailed as error:
            raise ArchiveRefused(f"the database tool refused the archive's dump: {error}") from None
        loaded_versions_forget()
        _check_row_counts(archived["tables"])
        media_root = Path(settings.MEDIA_ROOT)
        for member in opened.media_members():
            target = media_root / member.removeprefix(f"{MEDIA_FOLDER}/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(opened.path(member), target)
    tables = archived["tables"]
    return RestoreReport(tables=len(tables), rows=sum(tables.values()), media_files=len(opened.media_members()), newer_migrations=newer)


class RestoreMismatch(RuntimeError):
    """The restored database does not hold what the manifest says it should."""


def _check_row_counts(expected: dict[str, int]) -> None:
    restored = database.table_row_counts()
    differing = {table: (count, restored.get(table)) for table, count in expected.items() if restored.get(table) != count}
    if differing:
        table, (want, got) = next(iter(sorted(differing.items())))
        raise RestoreMismatch(f"{len(differing)} table(s) differ from the manifest after the restore, first {table}: {got} rows, expected {want}")
