"""When nothing can be studied the page and the API say why and when the next card is due; the counter counts what
today's limits allow; an unfinished session is resumed."""

import re
import uuid
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from apps.cards.services import card_create, deck_create
from apps.study.models import CardState, StudySession
from apps.study.selectors import start_of_next_day
from apps.study.services import shown_card_choose_next, study_log_record


def _answer_next(learner, deck, grade, *, now=None):
    shown = shown_card_choose_next(learner=learner, deck=deck, now=now)
    study_log_record(learner=learner, card=shown.card, log_uuid=uuid.uuid4(), grade=grade, response_ms=900, shown_uuid=shown.uuid, now=now)


def _next_card(api, deck) -> dict:
    response = api.get(reverse("api:next_card", kwargs={"deck_uuid": deck.uuid}))
    assert response.status_code == 200
    return response.json()


def test_the_new_card_limit_is_named_with_when_the_next_card_is_due(owner, private_deck, api_client_for, set_preset):
    set_preset(private_deck, new_per_day=2)
    for _ in range(2):
        _answer_next(owner, private_deck, 4)  # Easy: no learning step left today

    body = _next_card(api_client_for(owner), private_deck)

    assert body["card"] is None
    assert body["reason"].startswith("Nothing to study now: today's limit of 2 new cards is reached and no review is due.")
    assert datetime.fromisoformat(body["next_card_at"]) == start_of_next_day(timezone.now())  # new cards again
    assert "The next card is due" in body["reason"]


def test_the_review_limit_is_named_and_the_next_card_comes_tomorrow(owner, api_client_for, set_preset):
    deck = deck_create(owner=owner, title="Two cards", visibility="private")
    for index in range(2):
        card_create(deck=deck, front=f"front {index}", back=f"back {index}", tags=[])
    set_preset(deck, reviews_per_day=1)
    days_ago = timezone.now() - timedelta(days=3)
    _answer_next(owner, deck, 1, now=days_ago)
    _answer_next(owner, deck, 1, now=days_ago + timedelta(seconds=30))  # before the first card's 1-minute step is over
    _answer_next(owner, deck, 4)  # today's one review, Easy: out of its learning steps

    body = _next_card(api_client_for(owner), deck)

    assert body["card"] is None
    assert body["reason"].startswith(
        "Nothing to study now: today's limit of 1 review is reached and every card of the deck has been studied."
    )
    assert datetime.fromisoformat(body["next_card_at"]) == start_of_next_day(timezone.now())


def test_when_every_card_is_studied_and_none_is_due_the_answer_says_so(owner, api_client_for, post_json):
    deck = deck_create(owner=owner, title="One card", visibility="private")
    card_create(deck=deck, front="front", back="back", tags=[])
    api = api_client_for(owner)
    shown = _next_card(api, deck)

    response = post_json(api, "/api/v1/answers", {"log_uuid": str(uuid.uuid4()), "card": shown["card"]["id"], "grade": 4, "response_ms": 700})

    following = response.json()["next"]
    assert following["card"] is None
    assert following["reason"].startswith("Nothing to study now: no review is due and every card of the deck has been studied.")
    assert datetime.fromisoformat(following["next_card_at"]) == CardState.objects.get().due_at


def test_the_counter_counts_what_todays_limits_allow_and_the_summary_says_why_it_ended(owner, private_deck, web_client_for, set_preset):
    set_preset(private_deck, new_per_day=2)
    client = web_client_for(owner)
    session_url = client.post(reverse("study:session_start", kwargs={"deck_uuid": private_deck.uuid})).url

    page = client.get(session_url).content.decode()
    assert '<p class="muted progress-label">0 of 2 cards</p>' in page
    for _ in range(2):
        shown = re.search(r'data-shown="([0-9a-f-]+)"', client.get(session_url).content.decode()).group(1)
        client.post(f"{session_url}answer/", {"shown": shown, "log_uuid": str(uuid.uuid4()), "grade": 4})

    summary = client.get(client.get(session_url).url).content.decode()
    assert "Nothing to study now: today&#x27;s limit of 2 new cards is reached and no review is due." in summary
    assert 'data-next-card-at="' in summary


def test_an_unfinished_session_is_resumed_and_a_finished_one_is_not(owner, private_deck, web_client_for):
    client = web_client_for(owner)
    start_url = reverse("study:session_start", kwargs={"deck_uuid": private_deck.uuid})
    first = client.post(start_url).url
    assert client.post(start_url).url == first
    assert StudySession.objects.count() == 1

    client.post(reverse("study:finish", kwargs={"session_uuid": StudySession.objects.get().uuid}))
    assert client.post(start_url).url != first and StudySession.objects.count() == 2


def test_a_session_left_idle_past_the_sweep_is_not_resumed(owner, private_deck, web_client_for, settings):
    client = web_client_for(owner)
    start_url = reverse("study:session_start", kwargs={"deck_uuid": private_deck.uuid})
    client.post(start_url)
    StudySession.objects.update(last_activity_at=timezone.now() - timedelta(minutes=settings.MNEMO_SESSION_IDLE_MINUTES + 1))

    client.post(start_url)

    assert StudySession.objects.count() == 2
