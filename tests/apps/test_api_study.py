"""The study API: next card, submit an answer, idempotent by log_uuid, and clear 4xx refusals."""

import uuid
from datetime import timedelta

import pytest
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from apps.study import services
from apps.study.models import CardState, ShownCard, StudyLog
from apps.study.student_model import serve_active_models_with

ANSWERS_URL = "/api/v1/answers"


@pytest.fixture
def api(owner, api_client_for):
    return api_client_for(owner)


def _next(api, deck):
    response = api.get(reverse("api:next_card", kwargs={"deck_uuid": deck.uuid}))
    assert response.status_code == 200
    return response.json()


def _answer(shown, grade=3, response_ms=1500, log_uuid=None):
    return {"log_uuid": str(log_uuid or uuid.uuid4()), "card": shown["card"]["id"], "grade": grade, "response_ms": response_ms}


def test_next_card_names_the_policy_and_the_predicted_recall(api, private_deck):
    shown = _next(api, private_deck)
    assert shown["card"]["front"] == "Owner's private deck question 0"
    assert shown["policy"] == "fsrs"
    assert shown["predicted_recall"] is None
    assert shown["selection_probability"] == 1.0
    assert _next(api, private_deck)["shown_id"] == shown["shown_id"]  # asking again shows the same pending card


def test_an_answer_is_logged_with_the_decision_made_at_show_time_and_returns_the_next_card(api, owner, private_deck, post_json):
    shown = _next(api, private_deck)
    response = post_json(api, ANSWERS_URL, _answer(shown, grade=1, response_ms=2300))
    assert response.status_code == 201
    body = response.json()
    log = StudyLog.objects.get()
    assert (log.learner, log.card.front, log.grade, log.outcome, log.response_ms) == (owner, shown["card"]["front"], 1, False, 2300)
    assert log.policy == "fsrs" and log.predicted_recall is None and log.model_version is None
    assert log.shown_at.isoformat() == shown["shown_at"]
    assert body["log"]["log_uuid"] == str(log.log_uuid)
    assert body["next"]["card"]["id"] != shown["card"]["id"]
    assert CardState.objects.get(learner=owner, card=log.card).reps == 1


def test_the_same_log_uuid_twice_stores_one_log(api, private_deck, post_json):
    shown = _next(api, private_deck)
    answer = _answer(shown)
    first = post_json(api, ANSWERS_URL, answer)
    second = post_json(api, ANSWERS_URL, answer)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["log"] == first.json()["log"]
    assert StudyLog.objects.count() == 1
    assert CardState.objects.get().reps == 1


@pytest.mark.parametrize("grade", [7, 0, "3", None, 2.5, True])
def test_a_grade_outside_1_to_4_is_400_with_a_reason_and_stores_nothing(api, private_deck, post_json, grade):
    response = post_json(api, ANSWERS_URL, _answer(_next(api, private_deck), grade=grade))
    assert response.status_code == 400
    assert response.json()["error"].startswith("grade: Input should be")
    assert not StudyLog.objects.exists()
    assert not CardState.objects.exists()


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"response_ms": -5}, "response_ms: Input should be greater than or equal to 0"),
        ({"response_ms": 10**12}, "response_ms: Input should be less than or equal to 86400000"),
        ({"log_uuid": "not-a-uuid"}, "log_uuid: Input should be a valid UUID"),
        ({"card": None}, "card: UUID input should be"),
        ({"shown_id": "12"}, "shown_id: Input should be a valid UUID"),
    ],
)
def test_malformed_answers_are_400(api, private_deck, post_json, change, reason):
    answer = {**_answer(_next(api, private_deck)), **change}
    response = post_json(api, ANSWERS_URL, answer)
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert not StudyLog.objects.exists()


def test_answering_a_card_that_was_not_shown_is_409(api, private_deck, post_json):
    unshown = private_deck.cards.order_by("id").last()
    response = post_json(api, ANSWERS_URL, {"log_uuid": str(uuid.uuid4()), "card": str(unshown.uuid), "grade": 3, "response_ms": 10})
    assert response.status_code == 409
    assert "has not been shown" in response.json()["error"]


def test_another_learners_private_deck_is_404(other_learner, private_deck, api_client_for, api, post_json):
    stranger = api_client_for(other_learner)
    assert stranger.get(reverse("api:next_card", kwargs={"deck_uuid": private_deck.uuid})).json() == {"error": "not found"}
    assert stranger.get(reverse("api:next_card", kwargs={"deck_uuid": private_deck.uuid})).status_code == 404
    shown = _next(api, private_deck)
    response = post_json(stranger, ANSWERS_URL, _answer(shown))
    assert response.status_code == 404
    assert not StudyLog.objects.exists()


def test_no_token_is_401(client, private_deck, post_json):
    assert client.get(reverse("api:next_card", kwargs={"deck_uuid": private_deck.uuid})).status_code == 401
    assert post_json(client, ANSWERS_URL, {"grade": 3}).status_code == 401


def test_a_log_uuid_of_another_learner_is_refused(api, other_learner, public_deck, api_client_for, post_json):
    shown = _next(api, public_deck)
    answer = _answer(shown)
    assert post_json(api, ANSWERS_URL, answer).status_code == 201
    stranger = api_client_for(other_learner)
    _next(stranger, public_deck)
    response = post_json(stranger, ANSWERS_URL, answer)
    assert response.status_code == 409
    assert StudyLog.objects.count() == 1


class ModelServingDown(RuntimeError):
    pass


def _failing_model_provider(*, deck, kind, learner=None):
    raise ModelServingDown("the model store cannot be read")


@pytest.fixture
def model_store_down():
    previous = serve_active_models_with(_failing_model_provider)
    yield
    serve_active_models_with(previous)


def test_when_the_model_store_cannot_be_read_the_answer_gets_an_fsrs_card_that_says_it_fell_back(
    api, private_deck, post_json, model_store_down, scoring_failures_expected
):
    shown = _next(api, private_deck)

    response = post_json(api, ANSWERS_URL, _answer(shown))

    assert response.status_code == 201
    following = response.json()["next"]
    assert following["policy"] == "fsrs" and following["card"]["id"] != shown["card"]["id"]
    reasons = set(ShownCard.objects.values_list("fallback_reason", flat=True))
    assert reasons == {"loading the model failed: ModelServingDown: the model store cannot be read"}
    assert len(scoring_failures_expected) == 2 and all(record.exc_info for record in scoring_failures_expected)


def _database_fails_while_choosing(**_):
    raise DatabaseError("the connection was lost while reading the candidates")


def test_an_answer_whose_next_card_cannot_be_chosen_is_kept_and_its_retry_gets_the_next_card(
    api, private_deck, post_json, monkeypatch
):
    shown = _next(api, private_deck)
    answer = _answer(shown)
    with monkeypatch.context() as failing:
        failing.setattr(services, "study_candidates", _database_fails_while_choosing)
        with pytest.raises(DatabaseError):
            post_json(api, ANSWERS_URL, answer)
    assert StudyLog.objects.get().log_uuid == uuid.UUID(answer["log_uuid"]) and CardState.objects.count() == 1
    assert ShownCard.objects.filter(answered=True).count() == 1 and ShownCard.objects.count() == 1

    retry = post_json(api, ANSWERS_URL, answer)
    assert retry.status_code == 200
    assert StudyLog.objects.count() == 1
    assert retry.json()["next"]["card"]["id"] != shown["card"]["id"]


def test_an_older_pending_showing_comes_back_after_a_newer_one_is_answered(api, owner, private_deck, post_json):
    older = _next(api, private_deck)
    ShownCard.objects.filter(uuid=older["shown_id"]).update(shown_at=timezone.now() - timedelta(minutes=5))
    newer_card = private_deck.cards.exclude(uuid=older["card"]["id"]).order_by("id").first()
    newer = ShownCard.objects.create(
        learner=owner, card=newer_card, deck=private_deck, shown_at=timezone.now(), policy="fsrs", selection_probability=1.0,
    )
    assert _next(api, private_deck)["shown_id"] == str(newer.uuid)

    response = post_json(api, ANSWERS_URL, _answer(_next(api, private_deck)))

    assert response.status_code == 201
    assert response.json()["next"]["shown_id"] == older["shown_id"]
    assert ShownCard.objects.get(uuid=newer.uuid).answered and not ShownCard.objects.get(uuid=older["shown_id"]).answered


def test_every_missing_field_is_named(api, private_deck, post_json):
    response = post_json(api, ANSWERS_URL, {"grade": 3})
    assert response.status_code == 400
    assert response.json()["error"] == "log_uuid is required; card is required; response_ms is required"
    assert not StudyLog.objects.exists()
