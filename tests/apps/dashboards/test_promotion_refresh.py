"""Every promotion, whatever made it, hands a refresh of its scope's snapshots to the outbox; the task writes them with the new version."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from apps.dashboards.models import CohortSnapshot, RecallSnapshot
from apps.dashboards.tasks import refresh_snapshots_after_promotion
from apps.modeling.models import ModelVersion, Promotion
from apps.modeling.promotion import scope_rollback
from apps.outbox.models import OutboxTask

pytestmark = pytest.mark.django_db

REFRESH_TASK = "apps.dashboards.tasks.refresh_snapshots_after_promotion"


def _refresh_handed_over(promotion: Promotion) -> OutboxTask:
    [row] = [row for row in OutboxTask.objects.filter(task_name=REFRESH_TASK) if row.args == [promotion.pk]]
    return row


def test_a_promotion_by_train_model_refreshes_the_dashboards_with_the_new_version(studied_cohort, owner, settings):
    settings.MNEMO_TRAINING_MIN_LOGS = 20
    settings.MNEMO_PROMOTION_MAX_ECE = 1.0
    output = StringIO()
    call_command("train_model", "--kind", "hlr", stdout=output, stderr=StringIO())
    assert json.loads(output.getvalue().splitlines()[-1])["promoted"] is True
    promotion = Promotion.objects.get()
    assert not CohortSnapshot.objects.exists()

    row = _refresh_handed_over(promotion)
    assert refresh_snapshots_after_promotion.apply(args=row.args).get() == 3  # what the worker runs: three learners on one deck
    snapshot = CohortSnapshot.objects.get(cohort=studied_cohort)
    assert snapshot.model_versions == [promotion.version.label]
    assert RecallSnapshot.objects.get(learner=owner).model_version == promotion.version.label


def test_promotions_in_the_admin_and_rollbacks_hand_over_a_refresh_too(studied_cohort, admin_client, admin_user, settings):
    settings.MNEMO_TRAINING_MIN_LOGS = 20
    settings.MNEMO_PROMOTION_MAX_ECE = 1.0
    call_command("train_model", "--kind", "hlr", stdout=StringIO(), stderr=StringIO())
    settings.MNEMO_PROMOTION_MAX_ECE = 0.0
    call_command("train_model", "--kind", "fsrs6", stdout=StringIO(), stderr=StringIO())
    kept = ModelVersion.objects.get(kind="fsrs6")
    assert not kept.is_active

    admin_client.post(reverse("admin:modeling_modelversion_changelist"), {"action": "promote", "_selected_action": [kept.pk]})
    by_staff = Promotion.objects.get(action=Promotion.Action.PROMOTE)
    _refresh_handed_over(by_staff)
    refresh_snapshots_after_promotion.apply(args=[by_staff.pk])
    assert CohortSnapshot.objects.get(cohort=studied_cohort).model_versions == [kept.label]

    rollback = scope_rollback(scope_key=kept.scope_key, actor=admin_user)
    _refresh_handed_over(rollback)
    refresh_snapshots_after_promotion.apply(args=[rollback.pk])
    assert CohortSnapshot.objects.get(cohort=studied_cohort).model_versions == [rollback.version.label] != [kept.label]
