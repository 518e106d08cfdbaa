"""Writes for research: consent given and withdrawn, exports written, requested, streamed and run.

An export being written is held by lease (``apps.leases``): a worker or a web stream
claims it, renews the lease while it writes, and records the outcome only while it
still holds it; ``research_exports_recover_stale`` (beat, every minute) queues an export
whose writer died again, or fails it with the reason after ``MNEMO_JOB_MAX_ATTEMPTS``.
"""

import hashlib
import json
import shutil
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Callable, Iterator

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.leases import Lease, LeaseLost, stale_leases_recover, this_process
from apps.outbox.enqueue import enqueue_on_commit
from apps.research import selectors
from apps.research.export_rows import export_row_chunks
from apps.research.manifest import MANIFEST_NAME, manifest_of, manifest_write
from apps.research.models import ResearchConsentPeriod, ResearchExport
from apps.research.pseudonyms import learner_pseudonymiser
from apps.research.selectors import ExportFilters
from apps.research.writers import REVLOG_SOURCE_COLUMNS, STREAMABLE_PIECES, TIMES_AS_TEXT, WRITERS
from knowledge_tracing.data.columns import studylog_columns

EXPORT_CHUNK_ROWS = 20_000
STREAM_CHUNK_ROWS = 2_000
STREAM_FILE_NAMES = {"csv": "study_logs.csv", "jsonl": "study_logs.jsonl"}


def research_consent_give(*, learner, now: datetime | None = None) -> ResearchConsentPeriod:
    """Open a consent period from now; giving consent while it holds changes nothing."""
    with transaction.atomic():
        open_period = selectors.consent_open_period(learner=learner)
        if open_period is not None:
            return open_period
        return ResearchConsentPeriod.objects.create(learner=learner, started_at=now or timezone.now())


def research_consent_withdraw(*, learner, now: datetime | None = None) -> ResearchConsentPeriod | None:
    """Close the open consent period at now (logs from then on are never exported); None if there was none."""
    with transaction.atomic():
        open_period = selectors.consent_open_period(learner=learner)
        if open_period is None:
            return None
        open_period.ended_at = max(now or timezone.now(), open_period.started_at)
        open_period.save(update_fields=["ended_at"])
        return open_period


def export_columns(*, export_format: str, include_card_text: bool, include_predictions: bool) -> tuple[str, ...]:
    if export_format == "fsrs":
        return REVLOG_SOURCE_COLUMNS
    return studylog_columns(include_predictions=include_predictions, include_card_text=include_card_text)


def _description(export_format: str, columns: tuple[str, ...], filters: ExportFilters, **options) -> dict:
    return {"export_format": export_format, "columns": columns, "filters": filters.describe(), "options": options}


def study_logs_export(
    *,
    export_format: str,
    output_dir: Path,
    filters: ExportFilters,
    include_card_text: bool = False,
    include_predictions: bool = False,
    progress: Callable[[int], None] = lambda rows: None,
    chunk_rows: int = EXPORT_CHUNK_ROWS,
) -> Path:
    """Write the consented, pseudonymised logs in ``export_format`` into ``output_dir`` with a manifest; its path."""
    if export_format not in WRITERS:
        raise ValueError(f"unknown export format {export_format!r}; expected one of {', '.join(WRITERS)}")
    columns = export_columns(export_format=export_format, include_card_text=include_card_text, include_predictions=include_predictions)
    pseudonym = learner_pseudonymiser()
    output_dir.mkdir(parents=True, exist_ok=True)
    logs = selectors.consented_study_logs(filters)
    chunks = export_row_chunks(logs, columns, pseudonym=pseudonym, chunk_rows=chunk_rows, times_as_text=TIMES_AS_TEXT[export_format])
    written = WRITERS[export_format](chunks, columns, output_dir, progress)
    options = {"include_card_text": include_card_text, "include_predictions": include_predictions}
    return manifest_write(directory=output_dir, written=written, **_description(export_format, columns, filters, **options))


def export_directory(export: ResearchExport) -> Path:
    return settings.MNEMO_RESEARCH_EXPORT_DIR / str(export.uuid)


NOTHING_TO_EXPORT = (
    "No study log can be exported with these filters: an export holds only the logs of learners who consented to research,"
    " answered while they consented, and none match. Learners opt in under Settings, Research;"
    " manage.py simulate_learners gives its simulated learners consent."
)


RUN_RESEARCH_EXPORT_TASK = "apps.research.tasks.run_research_export"


class NothingToExport(ValueError):
    """No consented log matches the filters: an export would be a header and nothing else."""


def research_export_request(
    *, researcher, export_format: str, filters: ExportFilters, include_card_text: bool, include_predictions: bool
) -> ResearchExport:
    """Record the request and count its rows; ``export_is_streamed`` then says whether it streams or runs as a job.

    ``NothingToExport`` when no consented log matches, and nothing is recorded.
    """
    total = selectors.consented_study_logs(filters).count()
    if total == 0:
        raise NothingToExport(NOTHING_TO_EXPORT)
    return ResearchExport.objects.create(
        requested_by=researcher,
        format=export_format,
        answered_from=filters.answered_from,
        answered_before=filters.answered_before,
        cohort=filters.cohort,
        deck=filters.deck,
        include_card_text=include_card_text,
        include_predictions=include_predictions,
        total_rows=total,
        expires_at=timezone.now() + timedelta(hours=settings.MNEMO_RESEARCH_EXPORT_TTL_HOURS),
    )


def export_is_streamed(export: ResearchExport) -> bool:
    """Small CSV and JSON Lines exports go straight to the browser; the rest are written by a worker."""
    return export.format in STREAMABLE_PIECES and export.total_rows <= settings.MNEMO_RESEARCH_STREAM_MAX_ROWS


def _streamed_exports() -> Q:
    """The exports ``export_is_streamed`` says are streamed, as a query."""
    return Q(format__in=list(STREAMABLE_PIECES), total_rows__lte=settings.MNEMO_RESEARCH_STREAM_MAX_ROWS)


def _export_options(export: ResearchExport) -> dict:
    return {"include_card_text": export.include_card_text, "include_predictions": export.include_predictions}


def research_export_stream(*, export: ResearchExport) -> Iterator[bytes]:
    """The export's one file as bytes while it is read from the database; at the end its manifest is stored."""
    columns = export_columns(export_format=export.format, **_export_options(export))
    filters = ExportFilters.of_export(export)
    chunks = export_row_chunks(
        selectors.consented_study_logs(filters), columns, pseudonym=learner_pseudonymiser(), chunk_rows=STREAM_CHUNK_ROWS, times_as_text=True
    )
    lease = _export_claim(export.pk, worker=f"web {this_process()}")
    if lease is None:
        return
    digest, size, rows = hashlib.sha256(), 0, [0]

    def counted():
        for chunk in chunks:
            rows[0] += len(chunk)
            lease.beat(rows_written=rows[0])
            yield chunk

    try:
        for piece in STREAMABLE_PIECES[export.format](counted(), columns):
            data = piece.encode("utf-8")
            digest.update(data)
            size += len(data)
            yield data
        files = [{"name": STREAM_FILE_NAMES[export.format], "rows": rows[0], "sha256": digest.hexdigest(), "bytes": size}]
        description = _description(export.format, columns, filters, **_export_options(export))
        _export_finish(lease, manifest=manifest_of(files=files, **description), rows=rows[0])
    except GeneratorExit:
        reason = f"the download stopped after {rows[0]} rows (the connection was closed); request the export again"
        lease.fail(status=ResearchExport.Status.FAILED, error=reason, finished_at=timezone.now())
        raise
    except LeaseLost as lost:
        lease.report_lost(lost)
        raise  # the download breaks off instead of ending like a whole file


def _export_claim(export_id: int, *, worker: str) -> Lease | None:
    return Lease.claim(
        ResearchExport.objects, pk=export_id, queued=ResearchExport.Status.QUEUED, running=ResearchExport.Status.RUNNING,
        worker=worker, name=f"research export {export_id}", rows_written=0, error="",
    )


def _export_finish(lease: Lease, *, manifest: dict, rows: int) -> None:
    """Record the written export; ``LeaseLost`` when another attempt holds it now."""
    lease.finish(manifest=manifest, rows_written=rows, status=ResearchExport.Status.DONE, finished_at=timezone.now())


def research_export_run(*, export_id: int, worker: str | None = None) -> ResearchExport | None:
    """Claim a queued export (one attempt at a time), write its files and manifest, and mark it done or failed."""
    lease = _export_claim(export_id, worker=worker or this_process())
    export = ResearchExport.objects.select_related("cohort", "deck").filter(pk=export_id).first()
    if lease is None or export is None:
        return export
    directory = export_directory(export)
    shutil.rmtree(directory, ignore_errors=True)
    try:
        with lease.working():
            manifest_path = study_logs_export(
                export_format=export.format, output_dir=directory, filters=ExportFilters.of_export(export),
                progress=lambda rows: lease.beat(rows_written=rows), **_export_options(export)
            )
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            _export_finish(lease, manifest=manifest, rows=manifest["rows"])
    except Exception as error:
        shutil.rmtree(directory, ignore_errors=True)
        lease.fail(status=ResearchExport.Status.FAILED, error=str(error)[:2000], finished_at=timezone.now())
        raise
    export.refresh_from_db()
    return export


def research_export_enqueue(*, export: ResearchExport, queue: str | None = None) -> None:
    """Send the export to a worker once the transaction that created it commits (through the outbox: a broker outage delays it, never loses it)."""
    enqueue_on_commit(RUN_RESEARCH_EXPORT_TASK, args=[export.pk], queue=queue)


def research_exports_recover_stale() -> dict:
    """Queue again (or fail, with the reason) the exports whose writer stopped renewing its lease; returns the counts.

    A streamed export whose web process died is failed at once: its download is gone,
    and the page offers no files for a streamed export.
    """
    recover = partial(
        stale_leases_recover, running=ResearchExport.Status.RUNNING,
        retry=lambda reason: {"status": ResearchExport.Status.QUEUED, "error": reason},
        fail=lambda reason: {"status": ResearchExport.Status.FAILED, "error": reason, "finished_at": timezone.now()},
        on_retry=lambda export: research_export_enqueue(export=export),
        on_fail=lambda export: shutil.rmtree(export_directory(export), ignore_errors=True),
    )
    written = recover(ResearchExport.objects.exclude(_streamed_exports()))
    streamed = recover(ResearchExport.objects.filter(_streamed_exports()), max_attempts=1)
    return {outcome: written[outcome] + streamed[outcome] for outcome in written}


def export_file_path(export: ResearchExport, name: str) -> Path | None:
    """The path of one of the export's files on disk (or its manifest), None if it names nothing of the export."""
    if export.manifest is None or export_is_streamed(export):
        return None
    names = {file["name"] for file in export.manifest["files"]} | {MANIFEST_NAME}
    return export_directory(export) / name if name in names else None


def research_exports_delete_expired(*, now: datetime | None = None) -> int:
    """Delete the files of exports whose links have expired (the rows stay, as a record); how many were deleted."""
    expired = ResearchExport.objects.filter(expires_at__lte=now or timezone.now()).exclude(manifest=None)
    deleted = 0
    for export in expired.only("uuid"):
        directory = export_directory(export)
        if directory.exists():
            shutil.rmtree(directory)
            deleted += 1
    return deleted
