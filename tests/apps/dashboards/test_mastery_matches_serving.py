"""A cohort's mastery, scored many learners to a table, is what each learner's own study request would forecast.

The dashboards score a chunk of learners from one table (``recall_of_learners``); the
scheduler scores one learner from the state it keeps for them (``learner_evidence``).
KARL reads the learner's index (its item features leave out a training learner's own
answers), so a learner scored as anything but learner 0 of their own rows would drift.
"""

from datetime import timedelta

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.dashboards.mastery import studied_card_masteries
from apps.modeling.models import TrainingRun
from apps.modeling.scopes import Scope
from apps.modeling.training import training_run_create, training_run_execute
from apps.study.candidate_predictions import learner_evidence
from apps.study.models import CardState
from apps.study.student_model import active_model
from knowledge_tracing.policies.predictions import recall_if_not_studied, recall_if_not_studied_from_learner_state
from tests.apps.modeling.conftest import SMALL_KARL

pytestmark = pytest.mark.django_db

SMALL_MODELS = {"hlr": {}, "karl": SMALL_KARL, "dkt": {"max_epochs": 3, "hidden_size": 8, "embedding_dim": 8, "batch_size": 8}}


def _as_a_request_forecasts(learner, deck, *, now, at) -> tuple[list[int], np.ndarray]:
    """(the learner's studied cards, their recall at ``at``) from the serving path's learner evidence."""
    card_ids = list(CardState.objects.filter(learner=learner, deck=deck).order_by("card_id").values_list("card_id", flat=True))
    served = active_model(deck=deck, kind=None, learner=learner)
    evidence = learner_evidence(card_ids, learner=learner, deck=deck, served=served)
    if evidence.state is not None:
        return card_ids, recall_if_not_studied_from_learner_state(served.model, evidence.state, evidence.items, at=at.timestamp())
    return card_ids, recall_if_not_studied(served.model, evidence.history, evidence.items, now=now.timestamp(), at=at.timestamp())


@pytest.mark.parametrize("kind", SMALL_MODELS)
def test_every_learner_scored_together_gets_exactly_their_own_forecast(kind, studied_cohort, public_deck, settings):
    settings.MNEMO_TRAINING_MIN_LOGS = 20
    settings.MNEMO_PROMOTION_MAX_ECE = 1.0
    run = training_run_create(kind=kind, scope=Scope(), trigger=TrainingRun.Trigger.COMMAND, hyperparameters=SMALL_MODELS[kind])
    assert training_run_execute(run_id=run.pk).version.is_active
    now = timezone.now()
    at = now + timedelta(days=7)
    learners = list(get_user_model().objects.filter(pk__in=CardState.objects.values("learner")).order_by("pk"))
    assert len(learners) == 3

    together = studied_card_masteries(learners=learners, deck=public_deck, now=now, at=at)

    for learner in learners:
        card_ids, alone = _as_a_request_forecasts(learner, public_deck, now=now, at=at)
        assert together[learner.pk].card_ids.tolist() == card_ids and len(card_ids) > 0
        np.testing.assert_array_equal(together[learner.pk].mastery, np.asarray(alone, dtype=np.float64))
