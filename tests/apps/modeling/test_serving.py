"""Every card shown while a model is active records its predicted recall and version; a new version serves without a restart."""

import uuid

import pytest
from django.db import transaction
from django.utils import timezone

from apps.modeling.models import TrainingRun
from apps.modeling.promotion import model_version_promote, scope_rollback
from apps.modeling.scopes import Scope
from apps.modeling.selectors import online_calibration
from apps.modeling.serving import active_model_for_deck
from apps.modeling.training import training_run_create, training_run_execute
from apps.study.services import study_log_record, study_session_next, study_session_start

pytestmark = pytest.mark.django_db


def _trained(kind, scope, **hyperparameters):
    run = training_run_create(kind=kind, scope=scope, trigger=TrainingRun.Trigger.COMMAND, hyperparameters=hyperparameters)
    return training_run_execute(run_id=run.pk).version


def _answer_next(session, *, grade: int = 3):
    shown = study_session_next(session=session)
    log, _ = study_log_record(
        learner=session.learner, card=shown.card, log_uuid=uuid.uuid4(), grade=grade,
        response_ms=1500, shown_uuid=shown.uuid,
    )
    return shown, log


def test_without_an_active_model_nothing_is_predicted(seeded_deck, other_learner):
    session = study_session_start(learner=other_learner, deck=seeded_deck)
    shown, log = _answer_next(session)
    assert shown.model_version is None and log.predicted_recall is None


def test_shown_cards_record_the_active_versions_prediction_and_a_promotion_takes_over_at_once(
    seeded_deck, other_learner, admin_user, settings, small_karl
):
    settings.MNEMO_PROMOTION_MAX_ECE = 1.0
    first = _trained("hlr", Scope())
    session = study_session_start(learner=other_learner, deck=seeded_deck)

    shown, log = _answer_next(session)
    assert shown.model_version == log.model_version == first.label
    assert 0.0 < log.predicted_recall < 1.0

    deck_version = _trained("karl", Scope.of_deck(seeded_deck), **small_karl)
    model_version_promote(version=deck_version, actor=admin_user)
    shown, log = _answer_next(session, grade=1)
    assert log.model_version == deck_version.label  # the deck's own version is preferred, no restart needed
    assert 0.0 < log.predicted_recall < 1.0

    figures = online_calibration(deck_version, days=7, now=timezone.now())
    assert figures["n"] == 1 and figures["reliability"][0]["count"] == 1
    assert figures["log_loss"] > 0


def test_staff_can_roll_back_to_the_version_served_before(seeded_deck, admin_user, settings):
    settings.MNEMO_PROMOTION_MAX_ECE = 1.0
    first = _trained("hlr", Scope())
    second = _trained("fsrs6", Scope())
    model_version_promote(version=second, actor=admin_user)

    promotion = scope_rollback(scope_key="all", actor=admin_user)

    first.refresh_from_db()
    second.refresh_from_db()
    assert promotion.version == first and promotion.previous == second and promotion.actor == admin_user
    assert first.is_active and not second.is_active


class _RolledBack(Exception):
    pass


def test_a_version_that_gets_the_id_of_a_rolled_back_one_serves_its_own_model(seeded_deck, settings):
    """SQLite hands out a rolled-back row's id again (as between the tests of one run): serving follows the version, not its id."""
    settings.MNEMO_PROMOTION_MAX_ECE = 1.0
    with pytest.raises(_RolledBack), transaction.atomic():
        gone = _trained("hlr", Scope())
        assert active_model_for_deck(deck=seeded_deck, kind=None).version == gone.label
        raise _RolledBack

    kept = _trained("fsrs6", Scope())

    assert active_model_for_deck(deck=seeded_deck, kind=None).version == kept.label
