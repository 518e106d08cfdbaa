"""The study page: each grade button says when the card comes back (as the answer then schedules it), undo says what it
undid, and bury, suspend and flag act on the card on the screen with feedback; another learner's session is a 404."""

import html
import re
import uuid

import pytest
from django.urls import reverse

from apps.study.models import CardMark, CardState, StudySession
from apps.study.schedule import interval_words

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def session_client(owner, private_deck, web_client_for):
    client = web_client_for(owner)
    client.post(reverse("study:session_start", kwargs={"deck_uuid": private_deck.uuid}))
    return client, StudySession.objects.get()


def _url(name, session):
    return reverse(f"study:{name}", kwargs={"session_uuid": session.uuid})


def _revealed(client, session) -> str:
    return html.unescape(client.get(_url("session", session), {"reveal": "1"}, **HTMX).content.decode())


def _shown(page: str) -> str:
    return re.search(r'name="shown" value="([0-9a-f-]+)"', page).group(1)


def test_each_grade_button_says_when_the_card_comes_back_and_the_answer_keeps_that_promise(session_client):
    client, session = session_client
    page = _revealed(client, session)
    intervals = dict(re.findall(r'<span class="next-interval"[^>]*>([^<]+)</span> (Again|Hard|Good|Easy)', page))
    assert set(intervals.values()) == {"Again", "Hard", "Good", "Easy"}
    by_label = {label: interval for interval, label in intervals.items()}
    assert (by_label["Again"], by_label["Good"]) == ("1m", "10m")  # the Default preset's learning steps
    client.post(_url("answer", session), {"shown": _shown(page), "log_uuid": str(uuid.uuid4()), "grade": "3"}, **HTMX)
    state = CardState.objects.get()
    assert interval_words((state.due_at - state.last_review_at).total_seconds()) == by_label["Good"]


@pytest.mark.parametrize(("seconds", "text"), [(30, "<1m"), (60, "1m"), (600, "10m"), (3 * 3600, "3h"), (4 * 86400, "4d"), (45 * 86400, "1.5mo"), (730 * 86400, "2y")])
def test_intervals_are_written_as_anki_writes_them(seconds, text):
    assert interval_words(seconds) == text


def test_undo_says_what_it_undid(session_client):
    client, session = session_client
    page = _revealed(client, session)
    client.post(_url("answer", session), {"shown": _shown(page), "log_uuid": str(uuid.uuid4()), "grade": "3"}, **HTMX)
    response = html.unescape(client.post(_url("undo", session), **HTMX).content.decode())
    assert "Undid Good on “Owner's private deck question 0”." in response


def test_bury_takes_the_card_off_the_screen_until_tomorrow_and_says_so(session_client, owner):
    client, session = session_client
    page = _revealed(client, session)
    response = html.unescape(client.post(_url("mark", session), {"shown": _shown(page), "action": "bury"}, **HTMX).content.decode())
    assert "Buried “Owner's private deck question 0” until tomorrow." in response
    assert "question 0" not in response.split("</p>", 2)[-1]  # the next card is another
    assert CardMark.objects.get(learner=owner).buried_until is not None
    assert 'data-shortcut="-"' in response and 'data-shortcut="@"' in response and 'data-shortcut="flag-1"' in response


def test_suspend_and_flag_from_the_study_page(session_client, owner):
    client, session = session_client
    page = _revealed(client, session)
    flagged = html.unescape(client.post(_url("mark", session), {"shown": _shown(page), "action": "flag", "flag": "1", "revealed": "1"}, **HTMX).content.decode())
    assert "Flagged “Owner's private deck question 0” red." in flagged and "answer 0" in flagged  # still the same card, revealed
    suspended = html.unescape(client.post(_url("mark", session), {"shown": _shown(page), "action": "suspend"}, **HTMX).content.decode())
    assert "Suspended “Owner's private deck question 0”." in suspended
    mark = CardMark.objects.get(learner=owner)
    assert (mark.flag, mark.suspended) == (CardMark.Flag.RED, True)


@pytest.mark.parametrize("data", [{"action": "flag", "flag": "9"}, {"action": "melt"}, {"action": "flag"}])
def test_a_bad_mark_is_refused_and_nothing_is_written(session_client, data):
    client, session = session_client
    page = _revealed(client, session)
    assert client.post(_url("mark", session), {"shown": _shown(page), **data}, **HTMX).status_code == 400
    assert not CardMark.objects.exists()


def test_another_learners_session_is_a_404_for_marks(session_client, other_learner, web_client_for):
    client, session = session_client
    page = _revealed(client, session)
    stranger = web_client_for(other_learner)
    assert stranger.post(_url("mark", session), {"shown": _shown(page), "action": "suspend"}).status_code == 404
    assert not CardMark.objects.exists()
