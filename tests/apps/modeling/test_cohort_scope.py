"""Cohort scope: a run trains on its members' logs only, and serving prefers the learner's cohort, then the deck, then everyone."""

import json
import uuid
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from apps.accounts.services import cohort_add_learner, cohort_create, cohort_remove_learner
from apps.cards.cohort_decks import cohort_assign_deck
from apps.modeling.models import ModelVersion, TrainingRun
from apps.modeling.scopes import Scope
from apps.modeling.serving import active_model_for_deck
from apps.modeling.training import training_run_create, training_run_execute
from apps.modeling.triggers import scopes_with_enough_logs
from apps.study.models import StudyLog
from apps.study.services import study_log_record, study_session_next, study_session_start

from .conftest import make_deck

pytestmark = pytest.mark.django_db


@pytest.fixture
def learners(seeded_deck):
    """The simulated learners who studied the seeded deck, in id order."""
    return list(get_user_model().objects.filter(study_logs__deck=seeded_deck).distinct().order_by("id"))


@pytest.fixture
def cohort(instructor, seeded_deck, learners):
    """The instructor's cohort: the first three learners, the seeded deck assigned."""
    cohort = cohort_create(owner=instructor, name="Morning group")
    for learner in learners[:3]:
        cohort_add_learner(cohort=cohort, learner=learner)
    cohort_assign_deck(cohort=cohort, deck=seeded_deck)
    return cohort


def _trained(kind, scope):
    run = training_run_create(kind=kind, scope=scope, trigger=TrainingRun.Trigger.COMMAND)
    return training_run_execute(run_id=run.pk)


def test_a_cohort_run_trains_only_on_its_members_logs(cohort, learners, settings):
    settings.MNEMO_TRAINING_MIN_LOGS = 50
    members_logs = StudyLog.objects.filter(learner__in=learners[:3])
    assert 50 <= members_logs.count() < StudyLog.objects.count()

    run = _trained("hlr", Scope.of_cohort(cohort))

    assert run.status == TrainingRun.Status.SUCCEEDED, run.message
    assert run.n_logs == members_logs.count()
    assert run.version.data_window["n_learners"] == 3
    assert (run.scope_key, run.cohort, run.deck) == (f"cohort:{cohort.pk}", cohort, None)
    assert (run.version.scope_key, run.version.cohort) == (run.scope_key, cohort)


def test_a_learner_who_leaves_the_cohort_no_longer_trains_its_models(cohort, learners, settings):
    settings.MNEMO_TRAINING_MIN_LOGS = 10
    cohort_remove_learner(cohort=cohort, learner=learners[0])
    assert _trained("hlr", Scope.of_cohort(cohort)).version.data_window["n_learners"] == 2


def test_serving_prefers_the_learners_cohort_then_the_deck_then_everyone(cohort, seeded_deck, learners, instructor, settings):
    settings.MNEMO_PROMOTION_MAX_ECE = 1.0
    settings.MNEMO_TRAINING_MIN_LOGS = 50
    everyone = _trained("hlr", Scope()).version
    deck_version = _trained("fsrs6", Scope.of_deck(seeded_deck)).version
    cohort_version = _trained("hlr", Scope.of_cohort(cohort)).version
    assert everyone.is_active and deck_version.is_active and cohort_version.is_active
    member, outsider = learners[0], learners[5]
    other_deck = make_deck(instructor, cards=5)
    cohort_assign_deck(cohort=cohort, deck=other_deck)

    def served(deck, learner):
        return active_model_for_deck(deck=deck, kind=None, learner=learner).version

    assert served(seeded_deck, member) == cohort_version.label
    assert served(seeded_deck, outsider) == deck_version.label
    assert served(seeded_deck, None) == deck_version.label
    assert served(other_deck, member) == cohort_version.label  # the cohort's model serves every deck assigned to it
    assert served(other_deck, outsider) == everyone.label

    unassigned = make_deck(instructor, cards=5)
    assert served(unassigned, member) == everyone.label  # not a cohort deck: the cohort's model does not serve it


def test_a_cohort_is_a_nightly_scope_once_its_members_have_enough_logs(cohort, seeded_deck, settings):
    settings.MNEMO_TRAINING_MIN_LOGS = 50
    assert Scope.of_cohort(cohort) in scopes_with_enough_logs()
    settings.MNEMO_TRAINING_MIN_LOGS = 10**6
    assert scopes_with_enough_logs() == []


def test_train_model_takes_a_cohort_by_uuid_or_id(cohort, settings):
    settings.MNEMO_TRAINING_MIN_LOGS = 50
    for reference in (cohort.uuid, cohort.pk):
        output = StringIO()
        call_command("train_model", "--kind", "hlr", "--scope", f"cohort:{reference}", stdout=output, stderr=StringIO())
        assert json.loads(output.getvalue().strip().splitlines()[-1])["version"] is not None
    assert set(ModelVersion.objects.values_list("scope_key", flat=True)) == {f"cohort:{cohort.pk}"}


@pytest.mark.parametrize(
    "scope, message",
    [
        ("cohort:999999", "no cohort '999999'"),
        ("cohort:00000000-0000-0000-0000-000000000000", "no cohort"),
        ("cohort:morning", "'morning' is neither a cohort id nor a cohort uuid"),
        ("cohort:", "scope must be 'all', 'deck:<id or uuid>', 'cohort:<id or uuid>'"),
        ("classroom:1", "scope must be 'all', 'deck:<id or uuid>', 'cohort:<id or uuid>'"),
    ],
)
def test_train_model_refuses_a_bad_scope_with_a_clear_message(scope, message, db):
    with pytest.raises(CommandError, match=message):
        call_command("train_model", "--kind", "hlr", "--scope", scope, stdout=StringIO(), stderr=StringIO())
    assert not TrainingRun.objects.exists()


def test_staff_start_a_cohort_run_in_the_admin(admin_client, cohort, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(reverse("admin:modeling_trainingrun_add"), {"kind": "hlr", "cohort": cohort.pk, "hyperparameters": "{}"})
    assert response.status_code == 302
    run = TrainingRun.objects.get()
    assert (run.scope_key, run.cohort, run.deck) == (f"cohort:{cohort.pk}", cohort, None)
    assert len(callbacks) == 1


def test_the_admin_refuses_a_run_for_a_deck_and_a_cohort_at_once(admin_client, cohort, seeded_deck):
    response = admin_client.post(
        reverse("admin:modeling_trainingrun_add"), {"kind": "hlr", "cohort": cohort.pk, "deck": seeded_deck.pk, "hyperparameters": "{}"}
    )
    assert response.status_code == 200 and "a deck or a cohort, not both" in response.content.decode()
    assert not TrainingRun.objects.exists()


def test_a_member_studying_a_cohort_deck_is_shown_cards_chosen_with_the_cohorts_model(cohort, seeded_deck, learners, settings):
    settings.MNEMO_PROMOTION_MAX_ECE = 1.0
    settings.MNEMO_TRAINING_MIN_LOGS = 50
    deck_version = _trained("fsrs6", Scope.of_deck(seeded_deck)).version
    cohort_version = _trained("hlr", Scope.of_cohort(cohort)).version
    for learner, expected in ((learners[0], cohort_version), (learners[5], deck_version)):
        session = study_session_start(learner=learner, deck=seeded_deck)
        shown = study_session_next(session=session)
        log, _ = study_log_record(learner=learner, card=shown.card, log_uuid=uuid.uuid4(), grade=3, response_ms=900, shown_uuid=shown.uuid)
        assert shown.model_version == log.model_version == expected.label
