"""Snapshots hold mastery at the stated horizon: the served model's own forecast, or the FSRS forgetting curve without one."""

from datetime import datetime, time, timedelta

import numpy as np
import pytest
from django.utils import timezone

from apps.dashboards.mastery import FSRS_STATE_SOURCE
from apps.dashboards.models import CardRecall, CohortCardMastery, CohortSnapshot, ConceptMastery, LearnerMastery, RecallSnapshot
from apps.dashboards.selectors import strongest_and_weakest
from apps.dashboards.services import cohort_snapshot_write, snapshots_refresh
from apps.modeling.models import TrainingRun
from apps.modeling.scopes import Scope
from apps.modeling.training import training_run_create, training_run_execute
from apps.study.models import CardState, StudyLog
from apps.study.selectors import start_of_day
from apps.study.student_model import active_model
from knowledge_tracing.data.columns import STUDY_ROW_COLUMNS
from knowledge_tracing.history.fsrs_memory import forgetting_curve

from .conftest import study_days

pytestmark = pytest.mark.django_db


def _forecast_by_the_model(learner, deck, at) -> dict[int, float]:
    """What the served model predicts for each studied card asked at ``at``: its history and one more row, through predict_proba."""
    served = active_model(deck=deck, kind=None, learner=learner)
    rows = list(StudyLog.objects.live().filter(learner=learner, deck=deck).order_by("answered_at", "id").values_list(*STUDY_ROW_COLUMNS))
    forecast = {}
    for card_id in CardState.objects.filter(learner=learner, deck=deck).values_list("card_id", flat=True):
        table = served.table_builder([*rows, (learner.pk, card_id, at, False, 0, 4000)], [card_id])
        forecast[card_id] = float(served.model.predict_proba(table)[-1])
    return forecast


@pytest.fixture
def served_hlr(studied_cohort, settings):
    """An HLR model trained on every learner's logs, active for everyone."""
    settings.MNEMO_TRAINING_MIN_LOGS = 20
    settings.MNEMO_PROMOTION_MAX_ECE = 1.0
    run = training_run_execute(run_id=training_run_create(kind="hlr", scope=Scope(), trigger=TrainingRun.Trigger.COMMAND).pk)
    assert run.status == TrainingRun.Status.SUCCEEDED and run.version.is_active, run.message
    return run.version


def test_mastery_and_at_risk_are_the_served_models_forecast_a_week_ahead(studied_cohort, served_hlr, public_deck, owner, other_learner, outsider):
    now = timezone.now()
    snapshot = cohort_snapshot_write(cohort=studied_cohort, now=now)

    assert snapshot.model_versions == [served_hlr.label] and snapshot.versions_without_time == []
    assert snapshot.horizon_at == now + timedelta(days=7) and snapshot.exam_date is None and snapshot.target_recall == 0.7
    for learner in (owner, other_learner):
        forecast = _forecast_by_the_model(learner, public_deck, now + timedelta(days=7))
        stored = dict(CohortCardMastery.objects.filter(snapshot=snapshot, learner=learner).values_list("card_id", "mastery"))
        assert stored.keys() == forecast.keys() and len(stored) > 0
        assert np.allclose([stored[card] for card in forecast], list(forecast.values()), atol=1e-9)

        states = {state.card_id: state for state in CardState.objects.filter(learner=learner)}
        expected_at_risk = sum(1 for card, value in forecast.items() if value < 0.7 or states[card].due_at <= now)
        row = LearnerMastery.objects.get(snapshot=snapshot, learner=learner)
        assert (row.cards_studied, row.cards_at_risk) == (len(forecast), expected_at_risk)
        assert row.mean_mastery == pytest.approx(np.mean(list(forecast.values())))

        for concept in ("demo", "group-0", "group-1", "group-2"):
            cards = [card for card, state in states.items() if concept in state.card.tags]
            cell = ConceptMastery.objects.filter(snapshot=snapshot, learner=learner, concept=concept).first()
            if not cards:
                assert cell is None
                continue
            assert cell.cards_studied == len(cards)
            assert cell.mean_mastery == pytest.approx(np.mean([forecast[card] for card in cards]))
    assert not LearnerMastery.objects.filter(learner=outsider).exists()


def test_without_a_served_model_mastery_is_the_fsrs_forgetting_curve_a_week_ahead(studied_cohort, owner):
    now = timezone.now() + timedelta(days=3)
    snapshots_refresh(now=now)

    snapshot = RecallSnapshot.objects.get(learner=owner)
    assert snapshot.model_version == FSRS_STATE_SOURCE and snapshot.horizon_at == now + timedelta(days=7)
    rows = CardRecall.objects.filter(snapshot=snapshot)
    assert rows.exists()
    for row in rows:
        state = CardState.objects.get(learner=owner, card=row.card)
        elapsed = (now + timedelta(days=7) - state.last_review_at).days
        assert row.mastery == pytest.approx(float(forgetting_curve(elapsed, state.stability, 0.1542)), abs=1e-9)
    cohort_rows = dict(CohortCardMastery.objects.filter(learner=owner).values_list("card_id", "mastery"))
    assert cohort_rows == dict(rows.values_list("card_id", "mastery"))  # the same question, asked once


def test_a_cohort_exam_date_sets_the_horizon_while_it_is_ahead(studied_cohort, owner):
    now = timezone.now()
    exam = timezone.localdate(now) + timedelta(days=30)
    studied_cohort.exam_date = exam
    studied_cohort.save()
    snapshot = cohort_snapshot_write(cohort=studied_cohort, now=now)
    assert snapshot.exam_date == exam and snapshot.horizon_at == timezone.make_aware(datetime.combine(exam, time.min))
    at_exam = dict(CohortCardMastery.objects.filter(snapshot=snapshot, learner=owner).values_list("card_id", "mastery"))

    studied_cohort.exam_date = timezone.localdate(now) - timedelta(days=1)
    studied_cohort.save()
    snapshot = cohort_snapshot_write(cohort=studied_cohort, now=now)
    assert snapshot.exam_date is None and snapshot.horizon_at == now + timedelta(days=7)
    in_a_week = dict(CohortCardMastery.objects.filter(snapshot=snapshot, learner=owner).values_list("card_id", "mastery"))
    assert at_exam.keys() == in_a_week.keys()
    assert all(at_exam[card] < in_a_week[card] for card in at_exam)  # further away, more forgotten


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


@pytest.mark.parametrize("count, shown", [(0, 0), (1, 0), (2, 1), (3, 1), (9, 4), (10, 5), (11, 5), (40, 5)])
def test_strongest_and_weakest_never_share_a_concept(count, shown):
    concepts = [{"concept": f"tag-{index}", "mean_mastery": 1 - index / 100, "cards_studied": 1} for index in range(count)]
    strongest, weakest = strongest_and_weakest(concepts)
    assert len(strongest) == len(weakest) == shown
    assert not {row["concept"] for row in strongest} & {row["concept"] for row in weakest}
    assert all(row["mean_mastery"] > other["mean_mastery"] for row in strongest for other in weakest)


def test_concepts_tied_across_the_lists_are_left_out_of_both():
    """Two tags on the same cards have the same mastery: one must not be "strongest" and the other "weakest"."""
    values = {"europe": 0.856, "africa": 0.8301, "capitals": 0.8299, "geography": 0.8299, "asia": 0.828, "americas": 0.747}
    concepts = [{"concept": name, "mean_mastery": value, "cards_studied": 1} for name, value in values.items()]
    strongest, weakest = strongest_and_weakest(concepts)
    assert [row["concept"] for row in strongest] == ["europe"]
    assert [row["concept"] for row in weakest] == ["americas", "asia"]


def test_a_cohort_assigned_a_parent_deck_counts_what_its_learners_studied_below_it(instructor, owner):
    from apps.accounts.services import cohort_create, cohort_invite_create, cohort_join
    from apps.cards.cohort_decks import cohort_assign_deck
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
