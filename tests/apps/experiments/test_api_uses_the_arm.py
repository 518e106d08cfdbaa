"""The API's next card comes from the learner's arm and returns the logged decision fields."""

import logging
import uuid

import numpy as np
import pytest
from django.urls import reverse

from apps.study.candidate_predictions import table_with_local_ids
from apps.study.models import ShownCard, StudyLog
from knowledge_tracing.data.columns import STUDY_ROW_COLUMNS
from knowledge_tracing.policies.predictions import predict_by_hypothetical_rows

ANSWERS_URL = "/api/v1/answers"


def _next(api, deck) -> dict:
    response = api.get(reverse("api:next_card", kwargs={"deck_uuid": deck.uuid}))
    assert response.status_code == 200
    return response.json()


def _answer(api, post_json, shown: dict, grade: int = 3) -> dict:
    body = {"log_uuid": str(uuid.uuid4()), "card": shown["card"]["id"], "shown_id": shown["shown_id"], "grade": grade, "response_ms": 2000}
    response = post_json(api, ANSWERS_URL, body)
    assert response.status_code == 201
    return response.json()


def test_a_random_arm_returns_and_logs_one_over_the_candidates(public_deck, running_experiment, learner_in_arm, api_client_for, post_json):
    experiment = running_experiment(public_deck, ("control", "random", "", 1), ("due dates", "fsrs", "", 1))
    api = api_client_for(learner_in_arm(experiment, "control"))
    shown = _next(api, public_deck)
    assert (shown["policy"], shown["model_version"], shown["predicted_recall"]) == ("random", None, None)
    assert shown["selection_probability"] == pytest.approx(1 / 6)
    following = _answer(api, post_json, shown)["next"]
    assert following["selection_probability"] == pytest.approx(1 / 5)  # the card just answered is in its cooldown
    log = StudyLog.objects.get()
    assert (log.policy, log.selection_probability) == ("random", pytest.approx(1 / 6))


def test_a_delta_arm_logs_the_served_models_prediction_of_the_chosen_card(
    public_deck, running_experiment, learner_in_arm, api_client_for, post_json, served_model
):
    experiment = running_experiment(public_deck, ("control", "random", "", 1), ("delta", "delta", "logreg", 1))
    learner = learner_in_arm(experiment, "delta")
    api = api_client_for(learner)
    for grade in (3, 1, 3):
        shown = _next(api, public_deck)
        assert (shown["policy"], shown["model_version"], shown["selection_probability"]) == ("delta", served_model.version, 1.0)
        assert 0.0 < shown["predicted_recall"] < 1.0
        _answer(api, post_json, shown, grade)
    shown = _next(api, public_deck)
    record = ShownCard.objects.get(uuid=shown["shown_id"])
    # The logged recall is the model's prediction for that card given the learner's three answers,
    # checked here through the library's generic (row-by-row) prediction path.
    rows = list(StudyLog.objects.filter(learner=learner).order_by("answered_at").values_list(*STUDY_ROW_COLUMNS))
    history = table_with_local_ids(rows, list(public_deck.cards.values_list("id", flat=True)))
    item = history.item_keys.index(record.card_id)
    expected = predict_by_hypothetical_rows(served_model.model, history, np.array([item]), now=record.shown_at.timestamp())
    assert shown["predicted_recall"] == pytest.approx(float(expected.predicted_recall[0]), abs=1e-6)
    assert [log.model_version for log in StudyLog.objects.filter(learner=learner)] == [served_model.version] * 3


@pytest.mark.parametrize("policy", ["delta", "recall_target"])
def test_model_driven_arms_fall_back_to_fsrs_with_a_logged_reason_when_no_model_is_active(
    public_deck, running_experiment, learner_in_arm, api_client_for, caplog, policy
):
    experiment = running_experiment(public_deck, ("control", "random", "", 1), ("model", policy, "karl", 1))
    api = api_client_for(learner_in_arm(experiment, "model"))
    with caplog.at_level(logging.WARNING, logger="apps.study.policies"):
        shown = _next(api, public_deck)
    assert (shown["policy"], shown["model_version"], shown["predicted_recall"], shown["selection_probability"]) == ("fsrs", None, None, 1.0)
    assert f"policy '{policy}' needs model predictions but no karl model is active" in caplog.text


def test_an_fsrs_arm_still_logs_the_active_models_prediction(public_deck, running_experiment, learner_in_arm, api_client_for, served_model):
    experiment = running_experiment(public_deck, ("control", "random", "", 1), ("due dates", "fsrs", "", 1))
    shown = _next(api_client_for(learner_in_arm(experiment, "due dates")), public_deck)
    assert (shown["policy"], shown["model_version"]) == ("fsrs", served_model.version)
    assert 0.0 < shown["predicted_recall"] < 1.0
