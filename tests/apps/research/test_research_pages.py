"""The researcher's pages: only researchers reach them, only the requester downloads, links expire; small exports stream."""

import csv
import hashlib
import io
import json
from datetime import timedelta

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone

from apps.research.models import ResearchExport
from apps.research.selectors import ExportFilters
from apps.research.services import export_directory, research_export_request, research_export_run, research_exports_delete_expired

from .conftest import START


@pytest.fixture
def finished_export(researcher, owner, private_deck, answer, consent, settings, tmp_path):
    """A Parquet export the researcher requested, written (as a worker would) with one consented log."""
    settings.MNEMO_RESEARCH_EXPORT_DIR = tmp_path
    consent(owner, START)
    answer(owner, private_deck.cards.first(), START + timedelta(hours=1))
    export = research_export_request(researcher=researcher, export_format="parquet", filters=ExportFilters(), include_card_text=False, include_predictions=False)
    return research_export_run(export_id=export.pk)


def _research_urls(export) -> list[str]:
    names = {name for name in get_resolver().namespace_dict["research"][1].reverse_dict if isinstance(name, str)}
    by_name = {
        "export_list": reverse("research:export_list"),
        "export_detail": reverse("research:export_detail", kwargs={"export_uuid": export.uuid}),
        "export_manifest": reverse("research:export_manifest", kwargs={"export_uuid": export.uuid}),
        "export_file": reverse("research:export_file", kwargs={"export_uuid": export.uuid, "name": "study_logs.parquet"}),
    }
    assert names == set(by_name), "every research URL is checked here"
    return list(by_name.values())


def test_another_researcher_gets_404_on_the_export_and_its_files(finished_export, make_user, web_client_for):
    from apps.accounts import roles

    other = web_client_for(make_user("other-researcher", roles.RESEARCHER))
    urls = _research_urls(finished_export)
    assert other.get(urls[0]).status_code == 200
    for url in urls[1:]:
        assert other.get(url).status_code == 404, url
    assert other.get(reverse("research:export_file", kwargs={"export_uuid": finished_export.uuid, "name": "manifest.json"})).status_code == 404


def test_the_requester_downloads_the_files_until_the_link_expires(finished_export, researcher, web_client_for):
    client = web_client_for(researcher)
    detail, manifest_url, file_url = _research_urls(finished_export)[1:]
    page = client.get(detail).content.decode()
    assert "study_logs.parquet" in page and "Done" in page
    manifest = client.get(manifest_url).json()
    body = b"".join(client.get(file_url).streaming_content)
    assert hashlib.sha256(body).hexdigest() == manifest["files"][0]["sha256"] and manifest["rows"] == 1
    bad_name = reverse("research:export_file", kwargs={"export_uuid": finished_export.uuid, "name": "../../config/settings.py"})
    assert client.get(bad_name).status_code == 404
    ResearchExport.objects.filter(pk=finished_export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(file_url).status_code == 404
    assert client.get(manifest_url).status_code == 404
    assert research_exports_delete_expired() == 1
    assert not export_directory(finished_export).exists()


def test_a_small_csv_export_streams_and_records_its_manifest(researcher, owner, other_learner, private_deck, answer, consent, web_client_for):
    consent(owner, START)
    for hour in range(3):
        answer(owner, private_deck.cards.first(), START + timedelta(hours=hour))
        answer(other_learner, private_deck.cards.first(), START + timedelta(hours=hour))
    client = web_client_for(researcher)
    response = client.post(reverse("research:export_list"), {"format": "csv", "answered_from": "2026-03-01", "answered_until": "2026-03-01"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="study_logs.csv"'
    body = b"".join(response.streaming_content)
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert len(rows) == 3 and owner.username not in body.decode()
    export = ResearchExport.objects.get()
    assert export.status == "done" and export.manifest["files"][0]["sha256"] == hashlib.sha256(body).hexdigest()
    assert export.manifest["filters"]["answered_before"].startswith("2026-03-02")
    manifest = client.get(reverse("research:export_manifest", kwargs={"export_uuid": export.uuid}))
    assert json.loads(manifest.content)["rows"] == 3


def test_a_large_export_is_queued_and_its_page_polls_for_progress(researcher, owner, private_deck, answer, consent, web_client_for, settings, django_capture_on_commit_callbacks):
    settings.MNEMO_RESEARCH_STREAM_MAX_ROWS = 1
    consent(owner, START)
    for hour in range(2):
        answer(owner, private_deck.cards.first(), START + timedelta(hours=hour))
    client = web_client_for(researcher)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("research:export_list"), {"format": "csv"})
    export = ResearchExport.objects.get()
    assert response.status_code == 302 and response.url == reverse("research:export_detail", kwargs={"export_uuid": export.uuid})
    assert len(callbacks) == 1 and export.status == "queued" and export.total_rows == 2
    fragment = client.get(response.url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "0 of 2 rows" in fragment and "<html" not in fragment


def test_bad_requests_are_refused_with_a_reason_and_create_nothing(researcher, web_client_for):
    client = web_client_for(researcher)
    for data, reason in (
        ({"format": "xlsx"}, "Select a valid choice"),
        ({"format": "csv", "deck": "not-a-uuid"}, "valid UUID"),
        ({"format": "csv", "deck": "5d0f5a8e-3a2b-4d1c-9e6f-0a1b2c3d4e5f"}, "No deck has this UUID"),
        ({"format": "csv", "answered_from": "2026-03-05", "answered_until": "2026-03-01"}, "comes before"),
    ):
        response = client.post(reverse("research:export_list"), data)
        assert response.status_code == 200 and reason in response.content.decode(), data
    assert ResearchExport.objects.count() == 0


def test_the_learner_opts_in_and_out_on_the_settings_page(owner, web_client_for):
    client = web_client_for(owner)
    assert "Agree to research exports" in client.get(reverse("accounts:settings")).content.decode()
    client.post(reverse("research_consent:update"), {"consent": "give"})
    page = client.get(reverse("accounts:settings")).content.decode()
    assert "Withdraw research consent" in page
    client.post(reverse("research_consent:update"), {"consent": "withdraw"})
    client.post(reverse("research_consent:update"), {"consent": "give"})
    periods = list(owner.research_consent_periods.order_by("started_at"))
    assert len(periods) == 2 and periods[0].ended_at is not None and periods[1].ended_at is None
    assert client.post(reverse("research_consent:update"), {"consent": "maybe"}).status_code == 302
    assert owner.research_consent_periods.count() == 2


def test_the_research_link_shows_only_for_researchers(researcher, owner, web_client_for):
    link = reverse("research:export_list")
    assert link in web_client_for(researcher).get(reverse("accounts:settings")).content.decode()
    assert link not in web_client_for(owner).get(reverse("accounts:settings")).content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(finished_export, client):
    for url in _research_urls(finished_export) + [reverse("research_consent:update")]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url
