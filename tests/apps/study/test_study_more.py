"""Study more where a session ends: extra new cards today, review ahead, today's forgotten cards; and the summary never
says "nothing to study" about a card that is due now."""

import html
import re
import uuid
from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.cards.services import card_create, deck_create
from apps.study.models import StudyLog, StudySession
from apps.study.services import study_session_finish, study_session_next
from apps.study.study_more import EXTRA_NEW_CARDS, study_more_offers


def _session_of(client, deck, kind=None):
    if kind is None:
        client.post(reverse("study:session_start", kwargs={"deck_uuid": deck.uuid}))
    else:
        assert client.post(reverse("study:study_more", kwargs={"deck_uuid": deck.uuid}), {"kind": kind}).status_code == 302
    return StudySession.objects.order_by("-id").first()


def _answer_all(client, session, grade) -> int:
    """Answer the session's cards with ``grade`` until it ends; how many answers."""
    answers = 0
    while (shown := study_session_next(session=session)) is not None:
        url = reverse("study:answer", kwargs={"session_uuid": session.uuid})
        client.post(url, {"shown": str(shown.uuid), "log_uuid": str(uuid.uuid4()), "grade": str(grade)})
        session.refresh_from_db()
        answers += 1
        assert answers < 100
    return answers


def _summary(client, session) -> str:
    return html.unescape(client.get(reverse("study:session_summary", kwargs={"session_uuid": session.uuid})).content.decode())


def _assert_never_nothing_and_due_now(page: str):
    if "Nothing to study" in page:
        next_at = re.search(r'data-next-card-at="([^"]+)"', page).group(1)
        assert datetime.fromisoformat(next_at) > timezone.now()


def test_extra_new_cards_once_todays_limit_is_reached(owner, private_deck, web_client_for, set_preset):
    set_preset(private_deck, new_per_day=2)
    client = web_client_for(owner)
    session = _session_of(client, private_deck)
    assert _answer_all(client, session, 4) == 2
    page = _summary(client, session)
    _assert_never_nothing_and_due_now(page)
    assert f"Extra new cards today ({EXTRA_NEW_CARDS})" in page
    extra = _session_of(client, private_deck, "extra_new")
    assert _answer_all(client, extra, 4) == EXTRA_NEW_CARDS  # 12 cards: the 10 left, as 10 more are allowed


def test_extra_new_cards_raise_the_decks_limit_for_the_rest_of_the_day(owner, private_deck, web_client_for, set_preset):
    """As Anki's custom study: cards left of the extra ten come in the deck's next regular session today."""
    set_preset(private_deck, new_per_day=2)
    client = web_client_for(owner)
    assert _answer_all(client, _session_of(client, private_deck), 4) == 2
    extra = _session_of(client, private_deck, "extra_new")
    for _ in range(3):  # three of the ten, then the learner leaves
        shown = study_session_next(session=extra)
        client.post(
            reverse("study:answer", kwargs={"session_uuid": extra.uuid}),
            {"shown": str(shown.uuid), "log_uuid": str(uuid.uuid4()), "grade": "4"},
        )
    study_session_finish(session=extra)
    assert _answer_all(client, _session_of(client, private_deck), 4) == EXTRA_NEW_CARDS - 3


def test_review_ahead_shows_the_cards_due_in_the_coming_week(owner, web_client_for):
    deck = deck_create(owner=owner, title="Two cards")
    for index in range(2):
        card_create(deck=deck, front=f"front {index}", back="back", tags=[])
    client = web_client_for(owner)
    session = _session_of(client, deck)
    assert _answer_all(client, session, 3) >= 2  # Good, then Good again after the step: due in days
    page = _summary(client, session)
    _assert_never_nothing_and_due_now(page)
    assert "Review ahead (2)" in page
    ahead = _session_of(client, deck, "review_ahead")
    assert _answer_all(client, ahead, 3) == 2  # each once


def test_forgotten_cards_of_today_come_back_once(owner, web_client_for):
    deck = deck_create(owner=owner, title="One card")
    card_create(deck=deck, front="uno", back="one", tags=[])
    client = web_client_for(owner)
    session = _session_of(client, deck)
    shown = study_session_next(session=session)
    client.post(reverse("study:answer", kwargs={"session_uuid": session.uuid}), {"shown": str(shown.uuid), "log_uuid": str(uuid.uuid4()), "grade": "1"})
    _answer_all(client, session, 4)
    assert StudyLog.objects.filter(grade=1).count() == 1
    assert "Review today's forgotten cards (1)" in _summary(client, session)
    forgotten = _session_of(client, deck, "forgotten")
    assert _answer_all(client, forgotten, 4) == 1


def test_nothing_is_offered_when_the_deck_has_nothing_more(owner, web_client_for):
    deck = deck_create(owner=owner, title="Empty")
    assert study_more_offers(learner=owner, deck=deck, now=timezone.now()) == {}
    client = web_client_for(owner)
    session = _session_of(client, deck)
    study_session_next(session=session)
    page = _summary(client, session)
    assert "Study more" not in page and "Nothing to study: the deck has no cards." in page


@pytest.mark.parametrize("kind", ["", "everything", "x" * 200])
def test_a_bad_kind_is_refused_and_no_session_starts(owner, private_deck, web_client_for, kind):
    client = web_client_for(owner)
    response = client.post(reverse("study:study_more", kwargs={"deck_uuid": private_deck.uuid}), {"kind": kind})
    assert response.status_code == 400 and not StudySession.objects.exists()


def test_a_stranger_cannot_study_more_of_a_private_deck(other_learner, private_deck, web_client_for):
    response = web_client_for(other_learner).post(reverse("study:study_more", kwargs={"deck_uuid": private_deck.uuid}), {"kind": "extra_new"})
    assert response.status_code == 404 and not StudySession.objects.exists()


def test_a_session_ended_with_a_learning_card_pending_never_says_due_now(owner, private_deck, web_client_for, set_preset):
    set_preset(private_deck, new_per_day=1)
    client = web_client_for(owner)
    session = _session_of(client, private_deck)
    shown = study_session_next(session=session)
    client.post(reverse("study:answer", kwargs={"session_uuid": session.uuid}), {"shown": str(shown.uuid), "log_uuid": str(uuid.uuid4()), "grade": "1"})
    client.post(reverse("study:finish", kwargs={"session_uuid": session.uuid}))
    _assert_never_nothing_and_due_now(_summary(client, session))
