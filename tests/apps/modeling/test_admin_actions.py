"""Staff start a run from the admin (queued for a worker) and promote a version by hand."""

import pytest
from django.urls import reverse

from apps.modeling.models import ModelVersion, Promotion, TrainingRun
from apps.modeling.scopes import Scope
from apps.modeling.training import training_run_create, training_run_execute

pytestmark = pytest.mark.django_db


def test_adding_a_run_in_the_admin_queues_it_for_a_worker(admin_client, admin_user, private_deck, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(
            reverse("admin:modeling_trainingrun_add"), {"kind": "karl", "deck": private_deck.pk, "hyperparameters": '{"max_epochs": 2}'}
        )
    assert response.status_code == 302
    run = TrainingRun.objects.get()
    assert (run.kind, run.scope_key, run.trigger, run.requested_by) == ("karl", f"deck:{private_deck.pk}", "admin", admin_user)
    assert run.status == TrainingRun.Status.QUEUED and run.hyperparameters == {"max_epochs": 2}
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    ("hyperparameters", "message"),
    [('{"max_epochs": "two"}', "max_epochs must be a whole number"), ('{"epochs": 2}', "unknown hyper-parameters"), ("[2]", "JSON object")],
)
def test_a_run_with_bad_hyperparameters_is_refused_and_not_queued(admin_client, private_deck, hyperparameters, message):
    response = admin_client.post(
        reverse("admin:modeling_trainingrun_add"), {"kind": "karl", "deck": private_deck.pk, "hyperparameters": hyperparameters}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TrainingRun.objects.exists()


def test_staff_promote_a_version_that_was_kept_but_not_served(admin_client, seeded_deck, settings):
    settings.MNEMO_PROMOTION_MAX_ECE = 0.0
    version = training_run_execute(run_id=training_run_create(kind="hlr", scope=Scope(), trigger="command").pk).version
    assert not version.is_active

    admin_client.post(
        reverse("admin:modeling_modelversion_changelist"), {"action": "promote", "_selected_action": [version.pk]}
    )

    assert ModelVersion.objects.get(pk=version.pk).is_active
    assert Promotion.objects.get().action == Promotion.Action.PROMOTE
