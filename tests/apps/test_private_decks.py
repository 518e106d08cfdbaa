"""A deck made private while a learner studies it: its cards, answers and history close to them at once."""

import re
import uuid

import pytest
from django.urls import reverse

from apps.cards.rendering import render_card_text
from apps.cards.services import deck_update
from apps.study.models import StudyLog, StudySession
from apps.study.services import shown_card_choose_next, study_log_record


@pytest.fixture
def learner_mid_session(other_learner, public_deck, web_client_for):
    """Another learner has answered one card of the instructor's public deck and has the next one revealed."""
    client = web_client_for(other_learner)
    client.post(reverse("study:session_start", kwargs={"deck_uuid": public_deck.uuid}))
    session = StudySession.objects.get(learner=other_learner)
    shown = shown_card_choose_next(learner=other_learner, deck=public_deck, session=session)
    study_log_record(learner=other_learner, card=shown.card, log_uuid=uuid.uuid4(), grade=3, response_ms=900, shown_uuid=shown.uuid)
    page = client.get(reverse("study:session", kwargs={"session_uuid": session.uuid}), {"reveal": "1"})
    assert page.status_code == 200 and b"answer" in page.content
    fields = dict(re.findall(r'name="(shown|log_uuid)" value="([^"]+)"', page.content.decode()))
    return client, session, fields


def _make_private(deck):
    deck_update(deck=deck, title=deck.title, description=deck.description, visibility="private")


def test_no_study_url_serves_a_deck_made_private_to_a_learner(learner_mid_session, public_deck):
    client, session, fields = learner_mid_session
    _make_private(public_deck)
    session_url = {"session_uuid": session.uuid}
    assert client.get(reverse("study:session", kwargs=session_url), {"reveal": "1"}).status_code == 404
    answer = client.post(reverse("study:answer", kwargs=session_url), {**fields, "grade": "3", "response_ms": "800"})
    assert answer.status_code == 404
    for name in ("study:undo", "study:finish"):
        assert client.post(reverse(name, kwargs=session_url)).status_code == 404, name
    assert client.get(reverse("study:session_summary", kwargs=session_url)).status_code == 404
    assert StudyLog.objects.filter(undo__isnull=True).count() == 1
    assert StudyLog.objects.filter(undo__isnull=False).count() == 0


def test_the_api_refuses_cards_and_answers_of_a_deck_made_private(learner_mid_session, public_deck, other_learner, api_client_for, post_json):
    _, session, fields = learner_mid_session
    shown = session.shown_cards.get(uuid=fields["shown"])
    _make_private(public_deck)
    api = api_client_for(other_learner)
    assert api.get(reverse("api:next_card", kwargs={"deck_uuid": public_deck.uuid})).status_code == 404
    answer = {"log_uuid": fields["log_uuid"], "card": str(shown.card.uuid), "shown_id": str(shown.uuid), "grade": 3, "response_ms": 800}
    assert post_json(api, reverse("api:answer_create"), answer).status_code == 404
    assert StudyLog.objects.count() == 1


def test_history_keeps_the_answer_but_hides_the_text_of_a_deck_made_private(learner_mid_session, public_deck):
    client = learner_mid_session[0]
    front = render_card_text(StudyLog.objects.get().card.front)  # History shows the card as the study page does
    assert front in client.get(reverse("study:history")).content.decode()
    _make_private(public_deck)
    history = client.get(reverse("study:history")).content.decode()
    assert front not in history
    assert "(a card no longer shared with you)" in history


def test_the_owner_keeps_studying_their_own_deck_after_making_it_private(instructor, public_deck, web_client_for):
    client = web_client_for(instructor)
    client.post(reverse("study:session_start", kwargs={"deck_uuid": public_deck.uuid}))
    session = StudySession.objects.get(learner=instructor)
    _make_private(public_deck)
    assert client.get(reverse("study:session", kwargs={"session_uuid": session.uuid}), {"reveal": "1"}).status_code == 200
