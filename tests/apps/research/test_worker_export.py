"""A real Celery worker writes a large export while the page shows its progress; the researcher downloads it."""

import hashlib
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse

from apps.research.models import ResearchExport
from apps.research.selectors import ExportFilters
from apps.research.services import export_is_streamed, research_export_request
from apps.research.services import research_export_enqueue

from .conftest import START

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_worker_runs_a_large_export_that_only_its_requester_downloads(
    owner, other_learner, private_deck, researcher, make_user, answer, consent, start_worker, web_client_for, settings, tmp_path
):
    from apps.accounts import roles

    settings.MNEMO_RESEARCH_EXPORT_DIR = tmp_path
    settings.MNEMO_RESEARCH_STREAM_MAX_ROWS = 100
    consent(owner, START)
    cards = list(private_deck.cards.all())
    for index in range(400):
        answer(owner, cards[index % len(cards)], START + timedelta(minutes=index), grade=1 + index % 4)
    answer(other_learner, cards[0], START + timedelta(hours=1))
    worker = start_worker(env={"MNEMO_RESEARCH_EXPORT_DIR": str(tmp_path)})
    with transaction.atomic():
        export = research_export_request(researcher=researcher, export_format="parquet", filters=ExportFilters(), include_card_text=True, include_predictions=True)
        assert not export_is_streamed(export)
        research_export_enqueue(export=export, queue=worker.queue)
    deadline = time.monotonic() + 90
    while export.status in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.5)
        export.refresh_from_db()
    assert export.status == "done", export.error
    assert export.rows_written == export.total_rows == 400
    client = web_client_for(researcher)
    file_url = reverse("research:export_file", kwargs={"export_uuid": export.uuid, "name": "study_logs.parquet"})
    body = b"".join(client.get(file_url).streaming_content)
    assert hashlib.sha256(body).hexdigest() == export.manifest["files"][0]["sha256"]
    other = web_client_for(make_user("other-researcher", roles.RESEARCHER))
    assert other.get(file_url).status_code == 404
    assert ResearchExport.objects.filter(status="done").count() == 1
