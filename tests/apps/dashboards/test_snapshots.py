"""Snapshots hold the served model's predictions: mastery, at-risk cards and the forecast match what the model says."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from apps.dashboards.models import CardRecall, CohortSnapshot, ConceptMastery, LearnerMastery, RecallSnapshot
from apps.dashboards.predictions import FSRS_STATE_SOURCE
from apps.dashboards.services import AT_RISK_RECALL, cohort_snapshot_write, snapshots_refresh
from apps.modeling.models import TrainingRun
from apps.modeling.scopes import Scope
from apps.modeling.training import training_run_create, training_run_execute
from apps.study.candidate_predictions import candidates_with_predictions
from apps.study.models import CardState, StudyLog
from apps.study.selectors import start_of_day
from apps.study.student_model import active_model
from knowledge_tracing.fsrs_memory import forgetting_curve
from knowledge_tracing.policies import Candidates

from .conftest import study_days

pytestmark = pytest.mark.django_db


def _model_predictions(learner, deck, now) -> dict[int, float]:
    """What the served model predicts now for each card the learner studied, asked directly."""
    states = list(CardState.objects.filter(learner=learner, deck=deck).order_by("card_id"))
    candidates = Candidates(
        card_ids=np.array([state.card_id for state in states]),
        is_new=np.zeros(len(states), dtype=bool),
        due_at=np.array([state.due_at.timestamp() for state in states]),
        predicted_recall=np.full(len(states), np.nan),
        last_answered_at=np.array([state.last_review_at.timestamp() for state in states]),
    )
    served = active_model(deck=deck, kind=None, learner=learner)
    scored = candidates_with_predictions(candidates, learner=learner, deck=deck, served=served, now=now)
    return dict(zip(candidates.card_ids.tolist(), scored.predicted_recall.tolist()))


@pytest.fixture
def served_hlr(studied_cohort, settings):
    """An HLR model trained on every learner's logs, active for everyone."""
    settings.MNEMO_TRAINING_MIN_LOGS = 20
    settings.MNEMO_PROMOTION_MAX_ECE = 1.0
    run = training_run_execute(run_id=training_run_create(kind="hlr", scope=Scope(), trigger=TrainingRun.Trigger.COMMAND).pk)
    assert run.status == TrainingRun.Status.SUCCEEDED and run.version.is_active, run.message
    return run.version


def test_mastery_and_at_risk_are_the_served_models_predictions(studied_cohort, served_hlr, public_deck, owner, other_learner, outsider):
    now = timezone.now()
    snapshot = cohort_snapshot_write(cohort=studied_cohort, now=now)

    assert snapshot.model_versions == [served_hlr.label]
    for learner in (owner, other_learner):
        predicted = _model_predictions(learner, public_deck, now)
        stored = dict(CardRecall.objects.filter(snapshot__learner=learner).values_list("card_id", "predicted_recall"))
        assert stored.keys() == predicted.keys() and len(stored) > 0
        assert np.allclose([stored[card] for card in predicted], list(predicted.values()), atol=1e-9)

        states = {state.card_id: state for state in CardState.objects.filter(learner=learner)}
        expected_at_risk = sum(1 for card, recall in predicted.items() if recall < AT_RISK_RECALL or states[card].due_at <= now)
        row = LearnerMastery.objects.get(snapshot=snapshot, learner=learner)
        assert (row.cards_studied, row.cards_at_risk) == (len(predicted), expected_at_risk)
        assert row.mean_recall == pytest.approx(np.mean(list(predicted.values())))

        for concept in ("demo", "group-0", "group-1", "group-2"):
            cards = [card for card, state in states.items() if concept in state.card.tags]
            cell = ConceptMastery.objects.filter(snapshot=snapshot, learner=learner, concept=concept).first()
            if not cards:
                assert cell is None
                continue
            assert cell.cards_studied == len(cards)
            assert cell.mean_recall == pytest.approx(np.mean([predicted[card] for card in cards]))
    assert not LearnerMastery.objects.filter(learner=outsider).exists()


def test_without_a_served_model_recall_comes_from_the_fsrs_card_state(studied_cohort, owner):
    now = timezone.now() + timedelta(days=3)
    cohort_snapshot_write(cohort=studied_cohort, now=now)

    snapshot = RecallSnapshot.objects.get(learner=owner)
    assert snapshot.model_version == FSRS_STATE_SOURCE
    for row in CardRecall.objects.filter(snapshot=snapshot):
        state = CardState.objects.get(learner=owner, card=row.card)
        elapsed = (now - state.last_review_at).days
        assert row.predicted_recall == pytest.approx(float(forgetting_curve(elapsed, state.stability, 0.1542)), abs=0.01)


def test_the_forecast_counts_each_due_card_once_on_its_day(studied_cohort, owner, other_learner):
    now = timezone.now()
    snapshot = cohort_snapshot_write(cohort=studied_cohort, now=now)
    states = CardState.objects.filter(learner__in=[owner, other_learner])
    today = start_of_day(now)
    assert sum(snapshot.review_forecast) == states.filter(due_at__lt=today + timedelta(days=30)).count() > 0
    assert snapshot.review_forecast[0] == states.filter(due_at__lt=today + timedelta(days=1)).count()
    assert snapshot.review_forecast[1] == states.filter(due_at__gte=today + timedelta(days=1), due_at__lt=today + timedelta(days=2)).count()


def test_a_new_snapshot_replaces_the_old_and_a_learner_who_left_drops_out(studied_cohort, other_learner):
    cohort_snapshot_write(cohort=studied_cohort)
    studied_cohort.members.remove(other_learner)
    snapshots_refresh()
    snapshot = CohortSnapshot.objects.get(cohort=studied_cohort)
    assert list(snapshot.learners.values_list("learner__username", flat=True)) == ["owner"]
    assert RecallSnapshot.objects.filter(learner=other_learner).count() == 1  # still theirs, for their own progress page


def test_a_cohort_assigned_a_parent_deck_counts_what_its_learners_studied_below_it(instructor, owner):
    from apps.accounts.services import cohort_assign_deck, cohort_create, cohort_invite_create, cohort_join
    from apps.cards.services import card_create, deck_create

    languages = deck_create(owner=instructor, title="Languages", visibility="public")
    verbs = deck_create(owner=instructor, title="Languages::Spanish::Verbs", visibility="public")
    hidden = deck_create(owner=instructor, title="Languages::Drafts")  # private: the instructor's alone
    for deck in (languages, verbs, hidden):
        card_create(deck=deck, front=f"a card in {deck.title}", back="a", tags=["spanish"])
    cohort = cohort_create(owner=instructor, name="Spanish group")
    cohort_assign_deck(cohort=cohort, deck=languages)
    cohort_join(learner=owner, code=cohort_invite_create(cohort=cohort, valid_days=7, max_uses=1).code)
    study_days(owner, languages, days=2, seed=5)

    snapshot = cohort_snapshot_write(cohort=cohort, now=timezone.now())

    assert CardState.objects.filter(learner=owner).values_list("deck__title", flat=True).distinct().count() == 2
    mastery = snapshot.learners.get(learner=owner)
    assert mastery.cards_studied == 2 and mastery.answers == StudyLog.objects.filter(learner=owner).count()
