"""The online watch judges each served version on the answers it predicted since promotion, and rolls back the clearly worse.

Versions are real trained HLRs of all learners; "made to predict badly" means its
artifact predicts 1% recall for cards a learner has never seen, and brand-new learners
then recall every card they are shown (grade Good), through the study service. A
well-predicting version predicts 99% for those cards. The rollback is carried out by
the beat task in a real Celery worker.
"""

import time
import uuid

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.urls import reverse

from apps.modeling.models import ModelVersion, OnlineCheck, Promotion
from apps.modeling.promotion import model_version_promote
from apps.modeling.tasks import watch_served_versions
from apps.modeling.watch import served_versions_watch
from apps.study.models import StudyLog
from apps.study.services import study_log_record, study_session_next, study_session_start
from knowledge_tracing.metrics import expected_calibration_error, log_loss
from tests.apps.modeling.artifact_tampering import predicting_first_sightings_at, tampered, unscorable

pytestmark = pytest.mark.django_db
MIN_ANSWERS = 12
WAIT_SECONDS = 120


@pytest.fixture
def watch_settings(settings):
    settings.MNEMO_WATCH_MIN_ANSWERS = MIN_ANSWERS
    settings.MNEMO_WATCH_LOG_LOSS_MARGIN = 0.1
    settings.MNEMO_WATCH_MAX_FALLBACK_RATE = 0.05
    return settings


@pytest.fixture
def replacing(seeded_deck, train_hlr, admin_user, watch_settings):
    """replacing(change) -> (the version served first, a second one after ``change``, promoted by staff to replace it)."""

    def make(change):
        first = train_hlr()
        second = tampered(train_hlr(), change)
        model_version_promote(version=second, actor=admin_user)
        return first, second

    return make


@pytest.fixture
def new_learners_recall(seeded_deck, make_user):
    """recall(answers) -> brand-new learners, four cards each, answer Good to ``answers`` cards through the study service."""

    def recall(answers: int) -> list[StudyLog]:
        logs = []
        for index in range(0, answers, 4):
            session = study_session_start(learner=make_user(f"watched-{uuid.uuid4().hex[:8]}"), deck=seeded_deck)
            for _ in range(min(4, answers - index)):
                shown = study_session_next(session=session)
                log, _ = study_log_record(
                    learner=session.learner, card=shown.card, log_uuid=uuid.uuid4(), grade=3, response_ms=1200, shown_uuid=shown.uuid
                )
                logs.append(log)
        return logs

    return recall


def _serving(version: ModelVersion) -> bool:
    version.refresh_from_db()
    return version.is_active


def test_a_newly_promoted_version_is_not_judged_on_too_few_answers(replacing, new_learners_recall):
    first, second = replacing(predicting_first_sightings_at(0.01))
    new_learners_recall(MIN_ANSWERS - 1)

    [check] = served_versions_watch()

    assert check.version == second and check.verdict == OnlineCheck.Verdict.TOO_FEW
    assert check.figures["answers"] == MIN_ANSWERS - 1 and check.rollback is None
    assert _serving(second) and not _serving(first)


def test_only_answers_predicted_since_the_latest_promotion_count(replacing, new_learners_recall, admin_user):
    first, second = replacing(predicting_first_sightings_at(0.01))
    new_learners_recall(MIN_ANSWERS)
    model_version_promote(version=first, actor=admin_user)
    model_version_promote(version=second, actor=admin_user)  # serving again: a fresh start

    [check] = served_versions_watch()

    assert check.version == second and check.verdict == OnlineCheck.Verdict.TOO_FEW and check.figures["answers"] == 0


def test_a_version_as_good_online_as_offline_keeps_serving(replacing, new_learners_recall):
    first, second = replacing(predicting_first_sightings_at(0.99))
    new_learners_recall(MIN_ANSWERS)

    [check] = served_versions_watch()

    assert check.verdict == OnlineCheck.Verdict.HEALTHY, check.reason
    assert check.figures["log_loss"] <= second.log_loss + 0.1
    assert _serving(second) and not Promotion.objects.filter(action=Promotion.Action.WATCH_ROLLBACK).exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_rolls_back_a_version_that_predicts_badly_and_the_admin_shows_why(
    replacing, new_learners_recall, start_worker, admin_client
):
    first, second = replacing(predicting_first_sightings_at(0.01))
    logs = new_learners_recall(MIN_ANSWERS)
    assert {log.model_version for log in logs} == {second.label}
    worker = start_worker(env={"MNEMO_WATCH_MIN_ANSWERS": str(MIN_ANSWERS), "MNEMO_WATCH_LOG_LOSS_MARGIN": "0.1"})

    with transaction.atomic():
        transaction.on_commit(lambda: watch_served_versions.apply_async(queue=worker.queue))
    deadline = time.monotonic() + WAIT_SECONDS
    while not Promotion.objects.filter(action=Promotion.Action.WATCH_ROLLBACK).exists():
        assert worker.process.poll() is None, worker.output()
        assert time.monotonic() < deadline, "the worker did not roll back the version"
        time.sleep(0.5)

    rollback = Promotion.objects.get(action=Promotion.Action.WATCH_ROLLBACK)
    assert (rollback.version, rollback.previous, rollback.actor) == (first, second, None)
    outcome = [int(log.outcome) for log in logs]
    predicted = [log.predicted_recall for log in logs]
    assert rollback.figures["answers"] == MIN_ANSWERS
    assert rollback.figures["log_loss"] == pytest.approx(log_loss(outcome, predicted))
    assert rollback.figures["ece"] == pytest.approx(expected_calibration_error(outcome, predicted))
    assert rollback.figures["offline_log_loss"] == pytest.approx(second.log_loss)
    assert "online log loss" in rollback.reason and second.label in rollback.reason
    assert _serving(first) and not _serving(second)
    assert new_learners_recall(1)[0].model_version == first.label  # the next learner is served the version it replaced

    page = admin_client.get(reverse("admin:modeling_calibration", args=[second.pk])).content.decode()
    assert 'data-verdict="degraded"' in page and "Clearly worse online" in page
    assert f"Rolled back to {first.label}" in page


def test_a_version_that_keeps_falling_back_is_rolled_back(replacing, new_learners_recall, scoring_failures_expected):
    first, second = replacing(unscorable)
    logs = new_learners_recall(MIN_ANSWERS)
    assert all(log.predicted_recall is None for log in logs) and len(scoring_failures_expected) == MIN_ANSWERS

    [check] = served_versions_watch()

    assert check.verdict == OnlineCheck.Verdict.DEGRADED
    assert check.figures["fallbacks"] == check.figures["showings"] == MIN_ANSWERS
    assert check.rollback.version == first and "fell back to FSRS (100.0%)" in check.rollback.reason
    assert _serving(first)


def test_the_first_version_ever_served_is_left_serving_when_worse_and_the_verdict_says_so(
    seeded_deck, train_hlr, watch_settings, new_learners_recall, admin_client
):
    only = tampered(train_hlr(), predicting_first_sightings_at(0.01))
    new_learners_recall(MIN_ANSWERS)

    [check] = served_versions_watch()

    assert check.verdict == OnlineCheck.Verdict.DEGRADED and check.rollback is None
    assert "not rolled back" in check.reason and _serving(only)
    page = admin_client.get(reverse("admin:modeling_calibration", args=[only.pk])).content.decode()
    assert 'data-verdict="degraded"' in page and "nothing to roll back to" in page


@pytest.mark.django_db(transaction=True)  # the scheduler closes the connection between its own transactions
def test_beat_keeps_the_watch_in_its_database_schedule():
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    from config.celery import app

    DatabaseScheduler(app=app)  # syncs CELERY_BEAT_SCHEDULE into the database, as beat does at start
    entry = PeriodicTask.objects.get(name="watch-served-models")
    assert entry.task == watch_served_versions.name and entry.task in app.tasks
    assert entry.crontab.minute == "*/15"
    assert django_settings.CELERY_BEAT_SCHEDULE["watch-served-models"]["task"] == entry.task
