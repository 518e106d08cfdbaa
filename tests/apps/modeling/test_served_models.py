"""Every model kind the app can serve gives every learner a card and a real probability, and logs what the library predicts.

A version of each kind is trained on simulated learners' day-spaced logs and served;
learners with 0, 1, 3 and 20 answers (recorded through the API, so the last one has
more studied cards than KARL retrieves) ask for their next card through the API and
open the study page. The recall logged at each showing must then equal what the
library's ``predict_proba`` gives offline for the same learner's earlier rows and the
shown card at the same moment.
"""

import uuid

import numpy as np
import pytest
from django.urls import reverse

from apps.modeling.datasets import Vocabulary, study_log_table
from apps.modeling.models import MODEL_KINDS, TrainingRun
from apps.modeling.promotion import model_version_promote
from apps.modeling.scopes import Scope
from apps.modeling.serving import loaded_version
from apps.modeling.training import training_run_create, training_run_execute
from apps.study.models import ShownCard, StudyLog, StudySession
from knowledge_tracing.data.columns import STUDY_ROW_COLUMNS

pytestmark = pytest.mark.django_db

ANSWERS_URL = "/api/v1/answers"
HISTORY_LENGTHS = (0, 1, 3, 20)
SMALL = {
    "karl": {"max_epochs": 2, "hidden": 4, "text_dim": 4, "c_grid": [0.1, 1.0]},
    "fsrs6": {},
    "fsrs7": {},
    "hlr": {},
    "dkt": {"embedding_dim": 8, "hidden_size": 8, "max_epochs": 2},
    "cakt": {"frames": 2, "frame_size": 4, "max_epochs": 2},
}


@pytest.fixture
def served_version(deck_with_logs, admin_user, settings, set_preset):
    """serve(kind) -> (deck, the version of that kind trained on the deck's simulated logs, now active).

    The deck's preset lets a learner answer more than 20 new cards today."""
    settings.MNEMO_PROMOTION_MAX_ECE = 1.0

    def serve(kind):
        deck = deck_with_logs(cards=30, learners=6, days=8)
        set_preset(deck, new_per_day=40)
        run = training_run_create(kind=kind, scope=Scope(), trigger=TrainingRun.Trigger.COMMAND, hyperparameters=SMALL[kind])
        version = training_run_execute(run_id=run.pk).version
        assert version is not None, TrainingRun.objects.get(pk=run.pk).message
        if not version.is_active:
            model_version_promote(version=version, actor=admin_user)
        return deck, version

    return serve


def _study_through_the_api(client, deck, post_json, answers: int, rng) -> dict:
    """Answer ``answers`` cards through the API (grades at random); the next card shown after them."""
    response = client.get(reverse("api:next_card", kwargs={"deck_uuid": deck.uuid}))
    assert response.status_code == 200
    shown = response.json()
    for _ in range(answers):
        grade = int(rng.choice([1, 3, 3, 4]))
        body = {"log_uuid": str(uuid.uuid4()), "card": shown["card"]["id"], "shown_id": shown["shown_id"], "grade": grade, "response_ms": 2000}
        response = post_json(client, ANSWERS_URL, body)
        assert response.status_code == 201
        shown = response.json()["next"]
    return shown


def test_the_model_kinds_are_all_tested():
    assert set(SMALL) == set(MODEL_KINDS)


@pytest.mark.parametrize("kind", MODEL_KINDS)
def test_every_learner_gets_a_card_and_a_probability_from_every_kind(
    kind, served_version, make_user, api_client_for, web_client_for, post_json
):
    deck, version = served_version(kind)
    rng = np.random.default_rng(0)
    for answers in HISTORY_LENGTHS:
        learner = make_user(f"learner-{answers}")
        shown = _study_through_the_api(api_client_for(learner), deck, post_json, answers, rng)
        assert shown["model_version"] == version.label
        assert 0.0 < shown["predicted_recall"] < 1.0, (answers, shown)

        page_client = web_client_for(learner)
        started = page_client.post(reverse("study:session_start", kwargs={"deck_uuid": deck.uuid}))
        session = StudySession.objects.get(learner=learner)
        assert started.url == reverse("study:session", kwargs={"session_uuid": session.uuid})
        page = page_client.get(started.url)
        assert page.status_code == 200
        on_page = ShownCard.objects.filter(learner=learner, answered=False).latest("shown_at")
        assert on_page.model_version == version.label
        assert 0.0 < on_page.predicted_recall < 1.0, (answers, on_page.predicted_recall)
    assert StudyLog.objects.filter(learner__username="learner-20", predicted_recall__isnull=False).count() == 20


@pytest.mark.parametrize("kind", MODEL_KINDS)
def test_the_recall_logged_at_show_time_is_what_the_library_predicts_offline(
    kind, served_version, make_user, api_client_for, post_json
):
    deck, version = served_version(kind)
    learner = make_user("studies-through-the-api")
    _study_through_the_api(api_client_for(learner), deck, post_json, 20, np.random.default_rng(1))
    _, model, vocabulary = loaded_version(version.pk, version.checksum)
    logs = list(StudyLog.objects.filter(learner=learner).order_by("answered_at", "id"))
    assert len(logs) == 20 and all(log.model_version == version.label for log in logs)
    rows = list(StudyLog.objects.filter(learner=learner).order_by("answered_at", "id").values_list(*STUDY_ROW_COLUMNS))
    for position, log in enumerate(logs):
        # The learner's earlier rows, then the shown card asked at the moment it was shown.
        asked = (learner.pk, log.card_id, log.shown_at, 0, 0, None)
        table, _ = study_log_table(rows[:position] + [asked], vocabulary=Vocabulary.from_json(version.vocabulary))
        offline = model.predict_proba(table)[-1]
        assert log.predicted_recall == pytest.approx(offline, abs=1e-5), (position, log.predicted_recall, offline)
