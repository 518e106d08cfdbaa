"""The study-log columns of each scope, kept on disk between runs and extended with the logs since.

A nightly run over ten million logs should read the logs of the last day, not all of
them. The columns of a scope's live logs (``apps.modeling.log_columns``) are stored under
``MEDIA_ROOT/training-tables/`` with the highest log id they hold and a fingerprint of
the logs up to it (their count, the sum of their ids, and the random ``log_uuid`` of
the newest, so that a database rebuilt with the same ids, as a bench or a restore does,
never matches). The next run asks the database for the same fingerprint (one
aggregate query and one look-up by primary key): when it matches, only logs
with a higher id are read and appended; when it does not, some log at or below that id
left the scope or joined it since (an undo, an erased account, a learner leaving or
joining a cohort, a slow transaction committing an older id late) and the columns are
read again in full. Erasing an account also deletes every cached table at once
(``training_tables_forget``), so no copy of an erased person's logs outlives the erasure.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Sum

from apps.modeling.array_files import arrays_load, arrays_store
from apps.modeling.log_columns import LOG_FIELDS, LogColumns, log_columns_read
from apps.study.models import StudyLog

CACHE_FOLDER = "training-tables"


@dataclass(frozen=True)
class CachedColumns:
    """The columns of a scope and how they were obtained (``read``: rows read from the database this time)."""

    columns: LogColumns
    read: int
    rebuilt: bool


def cache_directory() -> Path:
    return Path(settings.MEDIA_ROOT) / CACHE_FOLDER


def _cache_path(scope_key: str) -> Path:
    return cache_directory() / f"{scope_key.replace(':', '-')}.npz"


def _newest_uuid(max_id: int) -> str:
    return str(StudyLog.objects.filter(id=max_id).values_list("log_uuid", flat=True).first())


def _fingerprint(logs, max_id: int) -> dict:
    figures = logs.filter(id__lte=max_id).order_by().aggregate(count=Count("id"), id_sum=Sum("id"))
    return {"count": figures["count"], "id_sum": int(figures["id_sum"] or 0), "newest": _newest_uuid(max_id)}


def scope_columns(scope_key: str, logs) -> CachedColumns:
    """The columns of the live logs ``logs`` (the scope's query set), from the cache when it still holds, extended."""
    cached = _read(scope_key)
    if cached is not None:
        columns, meta = cached
        if _fingerprint(logs, meta["max_id"]) == meta["fingerprint"]:
            new = log_columns_read(logs.filter(id__gt=meta["max_id"]))
            if len(new):
                columns = LogColumns.concatenate([columns, new])
                _write(scope_key, columns)
            return CachedColumns(columns=columns, read=len(new), rebuilt=False)
    columns = log_columns_read(logs)
    _write(scope_key, columns)
    return CachedColumns(columns=columns, read=len(columns), rebuilt=True)


def _read(scope_key: str) -> tuple[LogColumns, dict] | None:
    try:
        arrays, meta = arrays_load(_cache_path(scope_key), LOG_FIELDS)
    except (OSError, KeyError, ValueError):  # absent, half-written by a killed process, or of an older layout
        return None
    return LogColumns(**arrays), meta


def _write(scope_key: str, columns: LogColumns) -> None:
    max_id = int(columns.id.max()) if len(columns) else 0
    fingerprint = {"count": len(columns), "id_sum": int(columns.id.sum()), "newest": _newest_uuid(max_id)}
    arrays_store(_cache_path(scope_key), meta={"max_id": max_id, "fingerprint": fingerprint}, arrays=columns.as_arrays())


def training_tables_forget() -> int:
    """Delete every cached table (an account was erased); the next run of each scope reads its logs in full."""
    removed = 0
    for path in cache_directory().glob("*.npz"):
        path.unlink(missing_ok=True)
        removed += 1
    return removed
