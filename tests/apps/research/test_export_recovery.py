"""An export whose worker died mid-write is queued again, then failed with the reason after its last attempt; never left running."""

import logging
from datetime import timedelta

import pytest
from celery import current_app
from django.conf import settings as django_settings
from django.utils import timezone

from apps.deck_io.tasks import recover_stale_deck_imports
from apps.leases import lease_claim
from apps.outbox.models import OutboxTask
from apps.research.models import ResearchExport
from apps.research.selectors import ExportFilters
from apps.research import services
from apps.research.services import export_directory, research_export_run, export_is_streamed, research_export_request, research_export_stream, research_exports_recover_stale
from apps.research.tasks import recover_stale_research_exports, run_research_export
from tests.apps.lease_takeover import OTHER_WORKER, another_worker_takes_over

from .conftest import START

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_export(researcher, owner, private_deck, answer, consent, settings, tmp_path):
    settings.MNEMO_RESEARCH_EXPORT_DIR = tmp_path
    consent(owner, START)
    for minutes in range(3):
        answer(owner, private_deck.cards.first(), START + timedelta(minutes=minutes))

    def request(export_format: str) -> ResearchExport:
        return research_export_request(researcher=researcher, export_format=export_format, filters=ExportFilters(), include_card_text=False, include_predictions=False)

    return request


@pytest.fixture
def queued_export(request_export):
    return request_export("parquet")


def worker_dies_while_writing(export: ResearchExport) -> None:
    """What a worker killed mid-export leaves: the export claimed by it, a half-written file, and a heartbeat that stopped."""
    assert lease_claim(ResearchExport.objects, pk=export.pk, queued=ResearchExport.Status.QUEUED, running=ResearchExport.Status.RUNNING, worker="worker-1:4242")
    export_directory(export).mkdir(parents=True)
    (export_directory(export) / "study_logs.parquet").write_bytes(b"PAR1 half")
    ResearchExport.objects.filter(pk=export.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=10))


def run_waiting_exports() -> None:
    for row in OutboxTask.objects.filter(task_name=run_research_export.name):
        current_app.tasks[row.task_name](*row.args)
        row.delete()


def test_an_export_whose_worker_died_is_queued_again_within_minutes_and_written_by_the_next_worker(queued_export):
    worker_dies_while_writing(queued_export)

    assert research_exports_recover_stale() == {"retried": 1, "failed": 0}
    queued_export.refresh_from_db()
    assert queued_export.status == ResearchExport.Status.QUEUED
    assert "attempt 1 of 3: the worker worker-1:4242 stopped reporting" in queued_export.error

    run_waiting_exports()
    queued_export.refresh_from_db()
    assert queued_export.status == ResearchExport.Status.DONE and queued_export.attempts == 2
    assert queued_export.rows_written == 3 and queued_export.error == ""
    assert (export_directory(queued_export) / "study_logs.parquet").read_bytes()[:4] == b"PAR1"


def test_an_export_out_of_attempts_is_failed_with_the_reason_and_its_files_removed(queued_export, settings):
    settings.MNEMO_JOB_MAX_ATTEMPTS = 1
    worker_dies_while_writing(queued_export)

    assert research_exports_recover_stale() == {"retried": 0, "failed": 1}
    queued_export.refresh_from_db()
    assert queued_export.status == ResearchExport.Status.FAILED and queued_export.finished_at is not None
    assert "attempt 1 of 1" in queued_export.error and "no attempts left" in queued_export.error
    assert not export_directory(queued_export).exists()
    assert not OutboxTask.objects.filter(task_name=run_research_export.name).exists()


def test_an_export_whose_worker_still_reports_is_left_to_it(queued_export):
    worker_dies_while_writing(queued_export)
    ResearchExport.objects.filter(pk=queued_export.pk).update(heartbeat_at=timezone.now())

    assert research_exports_recover_stale() == {"retried": 0, "failed": 0}
    assert ResearchExport.objects.get(pk=queued_export.pk).status == ResearchExport.Status.RUNNING


def test_beat_looks_for_dead_exports_and_imports_every_minute():
    schedule = {entry["task"]: entry["schedule"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    for task in (recover_stale_research_exports, recover_stale_deck_imports):
        assert schedule[task.name].minute == set(range(60))


def test_a_streamed_export_whose_download_is_closed_midway_is_failed_with_the_reason(request_export):
    export = request_export("csv")
    assert export_is_streamed(export)
    download = research_export_stream(export=export)
    next(download)
    download.close()

    export.refresh_from_db()
    assert export.status == ResearchExport.Status.FAILED
    assert "the download stopped after 3 rows (the connection was closed)" in export.error


def test_a_streamed_export_whose_web_process_died_is_failed_not_handed_to_a_worker(request_export):
    export = request_export("csv")
    worker_dies_while_writing(export)

    assert research_exports_recover_stale() == {"retried": 0, "failed": 1}
    export.refresh_from_db()
    assert export.status == ResearchExport.Status.FAILED and "no attempts left" in export.error
    assert not OutboxTask.objects.filter(task_name=run_research_export.name).exists()


def test_an_export_that_loses_its_lease_midway_stops_writing_stores_no_manifest_and_logs_it(queued_export, monkeypatch, caplog):
    real_export = services.study_logs_export

    def export_after_losing_the_lease(**kwargs):
        another_worker_takes_over(
            ResearchExport.objects, pk=queued_export.pk, queued=ResearchExport.Status.QUEUED, running=ResearchExport.Status.RUNNING
        )
        return real_export(**kwargs)

    monkeypatch.setattr(services, "study_logs_export", export_after_losing_the_lease)
    with caplog.at_level(logging.WARNING, logger="apps.leases"):
        research_export_run(export_id=queued_export.pk, worker="worker-1:1")

    queued_export.refresh_from_db()
    assert queued_export.status == ResearchExport.Status.RUNNING and queued_export.attempts == 2 and queued_export.worker == OTHER_WORKER
    assert queued_export.manifest in (None, {}) and queued_export.rows_written == 0
    assert f"research export {queued_export.pk} attempt 1 lost its lease; stopping" in caplog.text
