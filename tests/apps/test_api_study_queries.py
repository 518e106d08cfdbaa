"""The study API's answer + next-card round trip makes a fixed, small number of queries.

bench/study_latency.py times this request; on a loaded 2-core machine each query is a
round trip of a few milliseconds, so a lost select_related or a per-card query shows
up here as a failure rather than only as a slower benchmark.
"""

import uuid

import pytest
from django.urls import reverse

from apps.experiments import running
from apps.study.models import StudyLog

ANSWERS_URL = "/api/v1/answers"

# token + user + settings, card + deck, BEGIN, locked showing (with whether another API
# showing is pending, from the partial index of unanswered showings), locked card
# state, the deck's preset (read once per request: ``deck_presets_remembered``; the
# answer's schedule, the next card's limits and its buttons share it), the card state's
# update, the siblings to bury (none here), the showing marked answered, the log, due
# cards, new cards, daily counts, the deck's new-card limit of today (raised by "extra
# new cards"), the active model versions, the new showing, with the choice between a
# SAVEPOINT and its RELEASE (a failing choice never loses the answer), COMMIT (the
# answer and the next showing in one transaction), its card; then the next card's grade
# intervals (``schedule.shown_card_schedule``): its state, and the workload tools'
# reviews per day in the window with its siblings' due days (one statement); the
# workload tools read the same for the answered card's grade
ANSWER_AND_NEXT_CARD_QUERIES = 22


@pytest.fixture
def experiments_remembered(monkeypatch):
    """However slow the machine, the deck's running experiment is still remembered by the measured request."""
    monkeypatch.setattr(running, "REMEMBER_SECONDS", 3600.0)


def _answer(api, post_json, shown: dict) -> dict:
    response = post_json(api, ANSWERS_URL, {
        "log_uuid": str(uuid.uuid4()), "card": shown["card"]["id"], "shown_id": shown["shown_id"], "grade": 3, "response_ms": 900,
    })
    assert response.status_code == 201
    return response.json()["next"]


def test_an_answer_and_the_next_card_take_a_bounded_number_of_queries(
    owner, private_deck, api_client_for, post_json, django_assert_max_num_queries, experiments_remembered
):
    api = api_client_for(owner)
    shown = api.get(reverse("api:next_card", kwargs={"deck_uuid": private_deck.uuid})).json()
    shown = _answer(api, post_json, shown)  # a first answer, so the measured one is a review-free steady state

    with django_assert_max_num_queries(ANSWER_AND_NEXT_CARD_QUERIES):
        following = _answer(api, post_json, shown)

    assert following["card"] is not None and following["card"]["id"] != shown["card"]["id"]
    assert StudyLog.objects.filter(learner=owner).count() == 2
