"""The study page without JavaScript and with htmx: front, reveal, grade, undo, finish, summary."""

import re

import pytest
from django.urls import reverse

from apps.accounts.services import learner_settings_get_or_create
from apps.study.models import CardState, StudyLog, StudyLogUndo, StudySession

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def study(owner, private_deck, web_client_for):
    """A signed-in owner with a started session of 3 cards; returns (client, session)."""
    settings = learner_settings_get_or_create(user=owner)
    settings.cards_per_session = 3
    settings.save()
    client = web_client_for(owner)
    response = client.post(reverse("study:session_start", kwargs={"deck_uuid": private_deck.uuid}))
    session = StudySession.objects.get()
    assert response.url == reverse("study:session", kwargs={"session_uuid": session.uuid})
    return client, session


def _form_fields(html: bytes) -> dict:
    return {name: value for name, value in re.findall(rb'name="(shown|log_uuid)" value="([^"]+)"', html)}


def _reveal(client, session):
    response = client.get(reverse("study:session", kwargs={"session_uuid": session.uuid}), {"reveal": "1"}, **HTMX)
    assert response.status_code == 200
    return response


def _grade(client, session, grade, *, fields=None):
    fields = fields or _form_fields(_reveal(client, session).content)
    data = {"shown": fields[b"shown"].decode(), "log_uuid": fields[b"log_uuid"].decode(), "grade": str(grade), "response_ms": "1234"}
    return client.post(reverse("study:answer", kwargs={"session_uuid": session.uuid}), data, **HTMX)


def test_the_front_comes_first_and_the_back_only_after_reveal(study):
    client, session = study
    page = client.get(reverse("study:session", kwargs={"session_uuid": session.uuid}))
    assert b"question 0" in page.content
    assert b"answer 0" not in page.content
    assert b"Show answer <kbd>Space</kbd>" in page.content
    revealed = _reveal(client, session)
    assert b"answer 0" in revealed.content
    for label, key in [(b"Again", b"1"), (b"Hard", b"2"), (b"Good", b"3"), (b"Easy", b"4")]:
        assert label + b" <kbd>" + key + b"</kbd>" in revealed.content
    assert b'id="study-card"' in revealed.content and b"<html" not in revealed.content  # an htmx fragment


def test_grading_logs_the_answer_and_swaps_in_the_next_card_with_progress(study, owner):
    client, session = study
    response = _grade(client, session, 3)
    assert response.status_code == 200
    assert b"question 1" in response.content
    assert b"1 of 3 cards" in response.content
    log = StudyLog.objects.get()
    assert (log.learner, log.session, log.grade, log.outcome, log.response_ms, log.policy) == (owner, session, 3, True, 1234, "fsrs")
    assert log.shown.session == session and log.shown_at <= log.answered_at


def test_a_double_submitted_answer_is_stored_once(study):
    client, session = study
    fields = _form_fields(_reveal(client, session).content)
    _grade(client, session, 3, fields=fields)
    _grade(client, session, 3, fields=fields)
    assert StudyLog.objects.count() == 1


def test_undo_marks_the_last_answer_undone_rebuilds_the_state_and_shows_the_card_again(study, owner):
    client, session = study
    _grade(client, session, 4)
    _grade(client, session, 1)
    undone_card = StudyLog.objects.order_by("id").last().card
    response = client.post(reverse("study:undo", kwargs={"session_uuid": session.uuid}), **HTMX)
    assert undone_card.front.encode() in response.content
    assert b"1 of 3 cards" in response.content
    assert StudyLog.objects.count() == 2  # nothing deleted
    assert StudyLogUndo.objects.get().log.card == undone_card
    assert not CardState.objects.filter(learner=owner, card=undone_card).exists()  # its only answer was undone
    _grade(client, session, 3)
    assert StudyLog.objects.live().filter(card=undone_card).get().grade == 3


def test_the_session_ends_after_its_planned_cards_with_a_summary(study):
    client, session = study
    for grade in (3, 1):
        _grade(client, session, grade)
    last = _grade(client, session, 4)
    summary_url = reverse("study:session_summary", kwargs={"session_uuid": session.uuid})
    assert last.status_code == 204 and last["HX-Redirect"] == summary_url
    session.refresh_from_db()
    assert session.ended_at is not None
    summary = client.get(summary_url)
    assert re.search(rb'data-figure="cards-studied">3<', summary.content)
    assert re.search(rb'data-figure="recall-rate">67%<', summary.content)


def test_finish_ends_the_session_early(study):
    client, session = study
    _grade(client, session, 3)
    response = client.post(reverse("study:finish", kwargs={"session_uuid": session.uuid}))
    assert response.url == reverse("study:session_summary", kwargs={"session_uuid": session.uuid})
    summary = client.get(response.url)
    assert re.search(rb'data-figure="answers">1<', summary.content)


def test_without_htmx_each_step_is_a_plain_page(study):
    client, session = study
    fields = _form_fields(client.get(reverse("study:session", kwargs={"session_uuid": session.uuid}), {"reveal": "1"}).content)
    response = client.post(
        reverse("study:answer", kwargs={"session_uuid": session.uuid}),
        {"shown": fields[b"shown"].decode(), "log_uuid": fields[b"log_uuid"].decode(), "grade": "2"},
    )
    assert response.status_code == 302
    assert StudyLog.objects.get().response_ms >= 0  # measured on the server when the browser sends none


def test_a_bad_grade_from_the_form_is_400_and_stores_nothing(study):
    client, session = study
    fields = _form_fields(_reveal(client, session).content)
    data = {"shown": fields[b"shown"].decode(), "log_uuid": fields[b"log_uuid"].decode(), "grade": "7"}
    response = client.post(reverse("study:answer", kwargs={"session_uuid": session.uuid}), data, **HTMX)
    assert response.status_code == 400
    assert not StudyLog.objects.exists()


def test_card_text_is_rendered_as_markdown_and_never_as_raw_html(owner, private_deck, web_client_for):
    card = private_deck.cards.first()
    card.front = "**bold** <script>alert(1)</script><img src=x onerror=alert(2)>"
    card.save()
    page = web_client_for(owner).get(reverse("cards:deck_detail", kwargs={"deck_uuid": private_deck.uuid}))
    assert b"<strong>bold</strong>" in page.content
    assert b"<script>alert(1)" not in page.content
    assert b"onerror" not in page.content
