"""The recall-target policy aims at the target retention of the studied deck's preset (``StudyPreset.target_retention``)."""

import uuid
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from apps.study.candidate_predictions import candidates_with_predictions
from apps.study.selectors import study_candidates
from apps.study.services import shown_card_choose_next, study_log_record
from apps.study.student_model import ServedModel, serve_active_models_with
from knowledge_tracing.data.synthetic import generate_study_log
from knowledge_tracing.models import create_model


@pytest.fixture
def served_logreg():
    """A logistic regression trained on a small generated log, served as every deck's active model."""
    model = create_model("logreg", seed=0)
    model.fit(generate_study_log(n_learners=6, n_items=20, n_logs=300, seed=1))
    served = ServedModel(version="logreg-target-test", model=model)
    previous = serve_active_models_with(lambda *, deck, kind, learner=None: served)
    yield served
    serve_active_models_with(previous)


def _study(learner, deck, start):
    """Twenty answers under the FSRS policy, every third one wrong, so predicted recall differs by card."""
    for index in range(20):
        at = start + timedelta(minutes=3 * index)
        shown = shown_card_choose_next(learner=learner, deck=deck, policy_name="fsrs", now=at)
        study_log_record(
            learner=learner, card=shown.card, log_uuid=uuid.uuid4(), grade=1 if index % 3 == 0 else 3,
            response_ms=1500, shown_uuid=shown.uuid, now=at,
        )


def test_recall_target_shows_the_card_predicted_closest_to_the_presets_target(make_user, private_deck, served_logreg, set_preset):
    now = timezone.now()
    shown_by_target = {}
    for target in (0.70, 0.99):
        learner = make_user(f"learner-aiming-at-{target}")
        preset = set_preset(private_deck, target_retention=target)
        _study(learner, private_deck, now - timedelta(hours=2))
        candidates = study_candidates(learner=learner, deck=private_deck, preset=preset, now=now)
        predicted = candidates_with_predictions(candidates, learner=learner, deck=private_deck, served=served_logreg, now=now)
        closest = predicted.card_ids[np.argmin(np.abs(predicted.predicted_recall - target))]
        shown = shown_card_choose_next(learner=learner, deck=private_deck, policy_name="recall_target", now=now)
        assert (shown.policy, shown.card_id) == ("recall_target", closest)
        shown_by_target[target] = shown.card_id
    assert shown_by_target[0.70] != shown_by_target[0.99]  # the target, not the candidates alone, made the choice
