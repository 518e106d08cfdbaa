"""The study page chooses each learner's cards with their arm's policy and logs the decision."""

import uuid

import pytest
from django.urls import reverse

from apps.study.models import ShownCard, StudyLog, StudySession


def _study_first_card(client, deck) -> ShownCard:
    client.post(reverse("study:session_start", args=[deck.uuid]))
    session = StudySession.objects.latest("id")
    assert client.get(reverse("study:session", args=[session.uuid])).status_code == 200
    return ShownCard.objects.get(session=session)


def _answer(client, shown: ShownCard, grade: int = 3):
    client.post(
        reverse("study:answer", args=[shown.session.uuid]),
        {"shown": shown.uuid, "log_uuid": uuid.uuid4(), "grade": grade, "response_ms": 1800},
    )
    return StudyLog.objects.get(shown=shown)


@pytest.mark.parametrize("arm_name, policy, probability", [("control", "random", 1 / 6), ("treatment", "fsrs", 1.0)])
def test_each_learner_studies_with_their_arms_policy(public_deck, running_experiment, learner_in_arm, web_client_for, arm_name, policy, probability):
    experiment = running_experiment(public_deck, ("control", "random", "", 1), ("treatment", "fsrs", "", 1))
    learner = learner_in_arm(experiment, arm_name)
    client = web_client_for(learner)
    shown = _study_first_card(client, public_deck)
    assert (shown.policy, shown.model_version, shown.predicted_recall) == (policy, None, None)
    assert shown.selection_probability == pytest.approx(probability)  # random: 1 / 6 candidate cards
    log = _answer(client, shown)
    assert (log.policy, log.model_version, log.predicted_recall, log.selection_probability) == (
        shown.policy, None, None, shown.selection_probability
    )


def test_without_a_running_experiment_the_default_policy_chooses(public_deck, other_learner, web_client_for, settings):
    settings.MNEMO_DEFAULT_POLICY = "random"
    shown = _study_first_card(web_client_for(other_learner), public_deck)
    assert shown.policy == "random" and shown.selection_probability == pytest.approx(1 / 6)


def test_a_delta_arm_with_an_active_model_logs_the_models_prediction(public_deck, running_experiment, learner_in_arm, web_client_for, served_model):
    experiment = running_experiment(public_deck, ("control", "random", "", 1), ("delta", "delta", "logreg", 1))
    client = web_client_for(learner_in_arm(experiment, "delta"))
    shown = _study_first_card(client, public_deck)
    assert (shown.policy, shown.model_version, shown.selection_probability) == ("delta", served_model.version, 1.0)
    assert 0.0 < shown.predicted_recall < 1.0
    log = _answer(client, shown)
    assert (log.policy, log.model_version, log.predicted_recall) == ("delta", served_model.version, shown.predicted_recall)
