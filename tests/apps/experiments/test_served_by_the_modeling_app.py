"""End to end with the modeling app: a version made active through its services drives a delta arm and is logged."""

import uuid

import pytest
from django.urls import reverse

from apps.modeling.artifacts import artifact_store
from apps.modeling.models import ModelVersion, TrainingRun
from apps.modeling.promotion import model_version_promote
from apps.modeling.scopes import Scope
from apps.modeling.training import training_run_create
from apps.study.models import StudyLog
from knowledge_tracing.data.synthetic import generate_study_log
from knowledge_tracing.models import create_model


@pytest.fixture
def active_hlr_version(public_deck, owner, settings, tmp_path):
    """A half-life-regression model trained with the library, stored and promoted for the deck by the modeling app."""
    settings.MEDIA_ROOT = tmp_path
    model = create_model("hlr", seed=0)
    model.fit(generate_study_log(n_learners=6, n_items=20, n_logs=300, seed=2))
    run = training_run_create(kind="hlr", scope=Scope.of_deck(public_deck), trigger=TrainingRun.Trigger.ADMIN)
    label = f"hlr-{uuid.uuid4().hex[:12]}"
    artifact, checksum = artifact_store(model=model, label=label)
    version = ModelVersion.objects.create(
        label=label, run=run, kind="hlr", scope_key=run.scope_key, deck=public_deck, artifact=artifact, checksum=checksum,
        library_version="test", log_loss=0.5, ece=0.01, brier=0.2, n=60,
    )
    model_version_promote(version=version, actor=owner)
    return version


def test_a_delta_arm_uses_the_decks_active_version(public_deck, running_experiment, learner_in_arm, api_client_for, post_json, active_hlr_version):
    experiment = running_experiment(public_deck, ("control", "random", "", 1), ("delta", "delta", "hlr", 1))
    api = api_client_for(learner_in_arm(experiment, "delta"))
    shown = api.get(reverse("api:next_card", kwargs={"deck_uuid": public_deck.uuid})).json()
    assert (shown["policy"], shown["model_version"], shown["selection_probability"]) == ("delta", active_hlr_version.label, 1.0)
    assert 0.0 < shown["predicted_recall"] < 1.0
    answer = {"log_uuid": str(uuid.uuid4()), "card": shown["card"]["id"], "shown_id": shown["shown_id"], "grade": 3, "response_ms": 900}
    assert post_json(api, "/api/v1/answers", answer).status_code == 201
    log = StudyLog.objects.get()
    assert (log.policy, log.model_version, log.predicted_recall) == ("delta", active_hlr_version.label, shown["predicted_recall"])
