"""CSRF is enforced on the study forms: without the token nothing is recorded; with it, the form works."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from apps.study.models import StudyLog, StudySession


@pytest.fixture
def csrf_client(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    return client


def _token(client, url) -> str:
    return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(url).content).group(1).decode()


def test_study_forms_without_a_csrf_token_are_refused(csrf_client, private_deck):
    assert csrf_client.post(reverse("study:session_start", kwargs={"deck_uuid": private_deck.uuid})).status_code == 403
    assert not StudySession.objects.exists()


def test_the_answer_undo_and_finish_forms_need_the_token(csrf_client, private_deck):
    token = _token(csrf_client, reverse("cards:deck_detail", kwargs={"deck_uuid": private_deck.uuid}))
    started = csrf_client.post(reverse("study:session_start", kwargs={"deck_uuid": private_deck.uuid}), {"csrfmiddlewaretoken": token})
    session_url = started.url
    page = csrf_client.get(session_url, {"reveal": "1"}).content
    fields = dict(re.findall(rb'name="(shown|log_uuid)" value="([^"]+)"', page))
    answer = {"shown": fields[b"shown"].decode(), "log_uuid": fields[b"log_uuid"].decode(), "grade": "3"}
    session_uuid = StudySession.objects.get().uuid
    for name, data in [("study:answer", answer), ("study:undo", {}), ("study:finish", {})]:
        assert csrf_client.post(reverse(name, kwargs={"session_uuid": session_uuid}), data).status_code == 403, name
    assert not StudyLog.objects.exists()

    accepted = csrf_client.post(reverse("study:answer", kwargs={"session_uuid": session_uuid}), {**answer, "csrfmiddlewaretoken": token})
    assert accepted.status_code == 302
    assert StudyLog.objects.count() == 1
