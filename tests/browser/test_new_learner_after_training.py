"""Right after a model is trained and served, a brand-new learner signs in and studies five cards with the keyboard.

The README's path, small: simulated learners study a public deck through the study
service, KARL is trained on their logs and promoted, and a learner who never studied
anything gets every card with the model's prediction (no fallback: the suite fails on
one), in Chromium, with Space to reveal and 1-4 to grade.
"""

import pytest

from apps.accounts.services import learner_settings_get_or_create
from apps.cards.services import card_create, deck_create
from apps.modeling.models import TrainingRun
from apps.modeling.scopes import Scope
from apps.modeling.simulation import study_logs_simulate
from apps.modeling.training import training_run_create, training_run_execute
from apps.study.models import ShownCard, StudyLog
from tests.browser.keyboard import card_phase, sign_in_with_the_keyboard, start_studying

pytestmark = pytest.mark.browser

GRADES = [3, 1, 4, 3, 2]
SMALL_KARL = {"max_epochs": 2, "hidden": 4, "text_dim": 4, "c_grid": [0.1, 1.0]}
TOPICS = ("capital of", "river in", "mountain of", "element", "discovered by")


@pytest.fixture
def deck_served_by_a_fresh_model(instructor, settings):
    settings.MNEMO_PROMOTION_MAX_ECE = 1.0
    settings.MNEMO_TRAINING_MIN_LOGS = 100
    deck = deck_create(owner=instructor, title="Geography and science", visibility="public")
    for index in range(16):
        card_create(deck=deck, front=f"{TOPICS[index % len(TOPICS)]} item {index}?", back=f"answer {index}", tags=[])
    study_logs_simulate(deck=deck, learners=5, days=5, seed=1)
    run = training_run_create(kind="karl", scope=Scope(), trigger=TrainingRun.Trigger.COMMAND, hyperparameters=SMALL_KARL)
    version = training_run_execute(run_id=run.pk).version
    assert version is not None, run.message
    version.refresh_from_db()
    assert version.is_active
    return deck, version


def test_a_brand_new_learner_studies_five_cards_with_the_keyboard_right_after_training(
    live_server, phone_page, deck_served_by_a_fresh_model, make_user, password, artifacts_dir
):
    deck, version = deck_served_by_a_fresh_model
    newcomer = make_user("newcomer")
    learner_settings = learner_settings_get_or_create(user=newcomer)
    learner_settings.cards_per_session = len(GRADES)
    learner_settings.save()
    page = phone_page

    sign_in_with_the_keyboard(page, live_server.url, "newcomer", password)
    shown = start_studying(page, deck.title)
    assert page.locator(".progress-label").inner_text() == f"0 of {len(GRADES)} cards"
    for number, grade in enumerate(GRADES, start=1):
        page.keyboard.press("Space")
        card_phase(page, "back")
        if number == len(GRADES):
            page.screenshot(path=str(artifacts_dir / "new-learner-after-training.png"), full_page=True)
        page.keyboard.press(str(grade))
        if number < len(GRADES):
            shown = card_phase(page, "front", not_shown=shown)

    page.wait_for_selector("#session-summary")
    assert page.locator('[data-figure="answers"]').inner_text() == str(len(GRADES))
    logs = list(StudyLog.objects.filter(learner=newcomer).order_by("answered_at", "id"))
    assert [log.grade for log in logs] == GRADES
    assert {log.model_version for log in logs} == {version.label}
    assert all(0.0 < log.predicted_recall < 1.0 for log in logs)
    assert not ShownCard.objects.filter(learner=newcomer).exclude(fallback_reason="").exists()
