"""A new learner with KARL served is scheduled by it: the card chosen, the grade buttons and the stored due dates.

KARL is trained here on simulated learners' logs and promoted (served), under the
model-driven policy ``delta`` (``MNEMO_DEFAULT_POLICY=delta``; the shipped default is
FSRS due order, which a served model does not change). The showings say in words what chose each
card on the study page, History and the admin; when KARL's scoring is broken
(a fine-tuned encoder, which scores tables and refuses candidates) the learner gets
FSRS due order, FSRS intervals, and the words say the model failed and why.
"""

import copy
import re
import uuid
from datetime import timedelta

import numpy as np
import pytest
from fsrs import State
from django.urls import reverse
from django.utils import timezone

from apps.accounts.services import learner_settings_get_or_create
from apps.modeling.models import ModelVersion, TrainingRun
from apps.modeling.scopes import Scope
from apps.modeling.serving import active_model_for_deck
from apps.modeling.training import training_run_create, training_run_execute
from apps.study.candidate_predictions import candidates_with_predictions
from apps.study.fsrs_state import preset_scheduler, replay_answers
from apps.study.models import CardState, ShownCard, StudyLog
from apps.study.presets import deck_preset
from apps.study.schedule import FSRS_SOURCE, grade_schedule, interval_words
from apps.study.selectors import study_candidates
from apps.study.services import shown_card_choose_next, study_log_record
from knowledge_tracing.policies.rules import DEFAULT_COOLDOWN_SECONDS, eligible_mask
from tests.apps.modeling.artifact_tampering import tampered
from tests.apps.modeling.conftest import SMALL_KARL

pytestmark = pytest.mark.django_db


@pytest.fixture
def karl_trained(seeded_deck, settings) -> ModelVersion:
    settings.MNEMO_PROMOTION_MAX_ECE = 1.0
    run = training_run_create(kind="karl", scope=Scope(), trigger=TrainingRun.Trigger.COMMAND, hyperparameters=dict(SMALL_KARL))
    version = training_run_execute(run_id=run.pk).version
    assert version.is_active
    return version


@pytest.fixture
def karl_served(karl_trained, settings) -> ModelVersion:
    """KARL served, and the model-driven policy (``delta``) configured as the default."""
    settings.MNEMO_DEFAULT_POLICY = "delta"
    return karl_trained


def _answer(learner, deck, grade, *, now) -> ShownCard:
    shown = shown_card_choose_next(learner=learner, deck=deck, now=now)
    study_log_record(
        learner=learner, card=shown.card, log_uuid=uuid.uuid4(), grade=grade, response_ms=4000, shown_uuid=shown.uuid,
        now=now + timedelta(seconds=4),
    )
    return shown


def _break_candidate_scoring(model) -> None:
    """No short-gap threshold: the model loads, then telling spaced reviews from the rest fails when it scores."""
    model.hyperparameters["short_gap_hours"] = None


def test_by_default_fsrs_chooses_and_schedules_and_the_served_model_only_predicts(karl_trained, seeded_deck, other_learner, web_client_for):
    client = web_client_for(other_learner)
    session_url = client.post(reverse("study:session_start", kwargs={"deck_uuid": seeded_deck.uuid})).url
    page = client.get(session_url + "?reveal=1").content.decode()
    shown = ShownCard.objects.get(learner=other_learner, answered=False)

    assert (shown.policy, shown.model_version, shown.fallback_reason) == ("fsrs", karl_trained.label, "")
    assert shown.predicted_recall is not None
    assert shown.chosen_by == f"FSRS due order, target 90% (model {karl_trained.label} predicts, does not choose)"
    assert f"Chosen by: {shown.chosen_by}" in page
    assert shown.card_id == seeded_deck.cards.order_by("id").first().pk  # FSRS due order: the deck's first new card
    schedule = grade_schedule(shown=shown, state=None, now=timezone.now(), learner_settings=learner_settings_get_or_create(user=other_learner))
    assert schedule.source == FSRS_SOURCE


def test_karl_chooses_the_cards_and_sets_their_due_dates(karl_served, seeded_deck, other_learner):
    scheduler = preset_scheduler(deck_preset(seeded_deck))
    start = timezone.now()
    shown = [_answer(other_learner, seeded_deck, grade, now=start + timedelta(minutes=index)) for index, grade in enumerate([3, 1, 3, 4, 2, 3])]

    assert {(item.policy, item.model_version) for item in shown} == {("delta", karl_served.label)}
    assert all(item.predicted_recall is not None for item in shown)
    assert shown[0].chosen_by == f"Model {karl_served.label}: the card whose study now most raises recall tomorrow"
    served = active_model_for_deck(deck=seeded_deck, kind=None, learner=other_learner)
    states = {state.card_id: state for state in CardState.objects.filter(learner=other_learner)}
    fsrs_dues = {}
    for card_id, state in states.items():
        replayed = copy.copy(state)
        replay_answers(replayed, [(log.grade, log.answered_at) for log in StudyLog.objects.filter(learner=other_learner, card_id=card_id)], scheduler=scheduler)
        fsrs_dues[card_id] = replayed.due_at
    in_review = {card_id for card_id, state in states.items() if state.state == State.Review}
    assert in_review and in_review != set(states)  # Easy sent a new card to review; the other grades left cards in steps
    for card_id, state in states.items():
        if card_id in in_review:  # the model's interval, not FSRS's
            assert abs((state.due_at - fsrs_dues[card_id]).total_seconds()) > 60
        else:  # the preset's learning step, whatever chose the card
            assert state.due_at == fsrs_dues[card_id]

    later = max(state.due_at for state in states.values()) + timedelta(minutes=1)
    candidates = study_candidates(learner=other_learner, deck=seeded_deck, preset=deck_preset(seeded_deck), now=later)
    scored = candidates_with_predictions(candidates, learner=other_learner, deck=seeded_deck, served=served, now=later)
    assert (~scored.is_new).sum() == len(states)  # every studied card is due by KARL's intervals
    p_now = scored.predicted_recall
    gain = np.abs(p_now * scored.recall_if_correct_tomorrow + (1 - p_now) * scored.recall_if_wrong_tomorrow - scored.recall_if_skipped_tomorrow)
    eligible = eligible_mask(scored, now=later.timestamp(), cooldown_seconds=DEFAULT_COOLDOWN_SECONDS)  # learning cards due come first
    best = int(np.flatnonzero(eligible)[np.argmax(gain[eligible])])
    chosen = shown_card_choose_next(learner=other_learner, deck=seeded_deck, now=later)
    assert chosen.card_id == scored.card_ids[best]  # the card KARL says studying now helps most
    assert chosen.predicted_recall == pytest.approx(p_now[best])


def test_the_grade_buttons_show_the_models_intervals_and_the_answer_stores_them(karl_served, seeded_deck, other_learner, web_client_for, admin_client):
    client = web_client_for(other_learner)
    session_url = client.post(reverse("study:session_start", kwargs={"deck_uuid": seeded_deck.uuid})).url
    page = client.get(session_url + "?reveal=1").content.decode()
    shown = ShownCard.objects.get(learner=other_learner, answered=False)
    now = timezone.now()
    schedule = grade_schedule(shown=shown, state=None, now=now, learner_settings=learner_settings_get_or_create(user=other_learner))
    assert schedule.source == f"model {karl_served.label}"
    buttons = dict(re.findall(r'value="(\d)"[^>]*><span class="next-interval"[^>]*>([^<]+)</span>', page))
    assert buttons == {str(grade): interval_words((due - now).total_seconds()) for grade, due in schedule.due_at.items()}
    assert f"Chosen by: Model {karl_served.label}" in page

    client.post(f"{session_url}answer/", {"shown": str(shown.uuid), "log_uuid": str(uuid.uuid4()), "grade": 3, "response_ms": 900})

    state = CardState.objects.get(learner=other_learner, card=shown.card)
    assert interval_words((state.due_at - state.last_review_at).total_seconds()) == buttons["3"]
    history = client.get(reverse("study:history")).content.decode()
    assert f"Model {karl_served.label}: the card whose study now most raises recall tomorrow" in history
    admin_page = admin_client.get(reverse("admin:study_studylog_changelist")).content.decode()
    assert f"Model {karl_served.label}" in admin_page


def test_with_karls_scoring_broken_fsrs_chooses_and_schedules_and_says_why(
    karl_served, seeded_deck, other_learner, web_client_for, api_client_for, scoring_failures_expected
):
    tampered(karl_served, _break_candidate_scoring)
    client = web_client_for(other_learner)
    session_url = client.post(reverse("study:session_start", kwargs={"deck_uuid": seeded_deck.uuid})).url
    page = client.get(session_url + "?reveal=1").content.decode()
    shown = ShownCard.objects.get(learner=other_learner, answered=False)

    assert shown.policy == "fsrs" and shown.model_version == karl_served.label
    assert shown.fallback_reason.startswith("TypeError")
    assert "Chosen by: FSRS due order: the model failed (TypeError: " in page
    assert shown.card_id == seeded_deck.cards.order_by("id").first().pk  # FSRS due order: the deck's first new card
    fsrs = grade_schedule(shown=shown, state=None, now=timezone.now(), learner_settings=learner_settings_get_or_create(user=other_learner))
    assert fsrs.source == FSRS_SOURCE

    client.post(f"{session_url}answer/", {"shown": str(shown.uuid), "log_uuid": str(uuid.uuid4()), "grade": 3, "response_ms": 900})

    log = StudyLog.objects.get(learner=other_learner)
    state = CardState.objects.get(learner=other_learner, card=shown.card)
    assert interval_words((state.due_at - log.answered_at).total_seconds()) == interval_words((fsrs.due_at[3] - timezone.now()).total_seconds())
    assert "FSRS due order: the model failed (TypeError" in client.get(reverse("study:history")).content.decode()
    assert scoring_failures_expected


def test_before_any_model_is_served_fsrs_chooses_and_says_so(seeded_deck, other_learner):
    shown = _answer(other_learner, seeded_deck, 3, now=timezone.now())
    assert shown.policy == "fsrs" and shown.model_version is None
    assert shown.chosen_by == "FSRS due order, target 90%, no model served yet"
