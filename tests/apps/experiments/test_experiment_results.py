"""The experiment page's figures per arm, on hand-made study logs: learners, reviews, recall, ≥ 1-day retention, Wilson CIs."""

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from django.urls import reverse

from apps.cards.services import card_create, deck_create
from apps.experiments.models import ArmAssignment
from apps.experiments.selectors import experiment_results
from apps.experiments.services import ArmSpec, experiment_create, experiment_start, experiment_stop
from apps.experiments.statistics import wilson_interval
from apps.study.models import StudyLog, StudyLogUndo

START = datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "successes, trials, low, high",
    [(8, 10, 0.4902, 0.9433), (5, 6, 0.4365, 0.9699), (0, 10, 0.0, 0.2775), (10, 10, 0.7225, 1.0), (1, 2, 0.0945, 0.9055)],
)
def test_wilson_interval_matches_reference_values(successes, trials, low, high):
    assert wilson_interval(successes, trials) == pytest.approx((low, high), abs=5e-5)


def test_no_trials_give_no_interval():
    assert wilson_interval(0, 0) is None


def _log(learner, card, at: datetime, recalled: bool) -> StudyLog:
    return StudyLog.objects.create(
        log_uuid=uuid.uuid4(), learner=learner, card=card, deck=card.deck, shown_at=at - timedelta(seconds=5), answered_at=at,
        response_ms=5000, outcome=recalled, grade=3 if recalled else 1, policy="fsrs",
    )


@pytest.fixture
def stopped_experiment(owner, private_deck, make_user):
    """Two arms with hand-made answers before, during and after the experiment (see the test for the expected figures)."""
    experiment = experiment_create(
        deck=private_deck, name="control vs fsrs", created_by=owner,
        arms=[ArmSpec("control", "random", "", 1), ArmSpec("treatment", "fsrs", "", 1)],
    )
    experiment_start(experiment=experiment, now=START)
    control, treatment = experiment.arms.order_by("id")
    ada, ben, cy, outsider = (make_user(name) for name in ("ada", "ben", "cy", "outsider"))
    for learner, arm in ((ada, control), (ben, control), (cy, treatment)):
        ArmAssignment.objects.create(experiment=experiment, arm=arm, learner=learner, assigned_at=START)
    first, second = private_deck.cards.order_by("id")[:2]
    hour, day = timedelta(hours=1), timedelta(days=1)
    _log(ada, first, START - 2 * day, True)                    # before the start: only the previous answer
    _log(ada, first, START + hour, False)                      # 2 days after the previous one: retention, lapsed
    _log(ada, first, START + hour + timedelta(minutes=5), True)  # 5 minutes later: not a retention trial
    _log(ada, first, START + 2 * day, True)                    # ~2 days later: retained
    _log(ada, second, START + 3 * hour, True)                  # a first answer: no previous answer
    _log(ben, first, START + hour / 2, True)
    _log(ben, first, START + day + hour / 2, True)             # exactly 24 h later: counts as retained
    StudyLogUndo.objects.create(log=_log(ben, second, START + 2 * day, False), undone_at=START + 2 * day)  # undone: ignored
    _log(ben, card_create(deck=deck_create(owner=ben, title="ben's own deck"), front="q", back="a", tags=[]), START + hour, False)  # another deck
    _log(outsider, first, START + hour, False)                 # never assigned
    _log(cy, first, START + timedelta(minutes=10), False)
    _log(cy, first, START + 3 * day, True)                     # retained after 3 days
    experiment_stop(experiment=experiment, now=START + 4 * day)
    _log(cy, first, START + 5 * day, False)                    # after the stop: ignored
    return experiment


def test_figures_per_arm(stopped_experiment):
    control, treatment = experiment_results(stopped_experiment)
    assert (control.arm.name, control.figures.learners, control.figures.reviews) == ("control", 2, 6)
    assert (control.figures.recall.successes, control.figures.recall.trials) == (5, 6)
    assert (control.figures.retention_after_a_day.successes, control.figures.retention_after_a_day.trials) == (2, 3)
    assert (treatment.arm.name, treatment.figures.learners, treatment.figures.reviews) == ("treatment", 1, 2)
    assert (treatment.figures.recall.successes, treatment.figures.recall.trials) == (1, 2)
    assert (treatment.figures.retention_after_a_day.successes, treatment.figures.retention_after_a_day.trials) == (1, 1)
    assert control.figures.recall.interval == pytest.approx((0.4365, 0.9699), abs=5e-5)


def test_the_page_shows_the_figures_with_their_intervals(stopped_experiment, owner, web_client_for):
    page = web_client_for(owner).get(reverse("experiments:experiment_detail", args=[stopped_experiment.uuid])).content.decode()
    assert '<td data-figure="learners">2</td>' in page and '<td data-figure="reviews">6</td>' in page
    assert "83.3% (43.6%–97.0%, n = 6)" in page                # control recall 5/6
    assert "66.7% (20.8%–93.9%, n = 3)" in page                # control retention 2/3
    assert "50.0% (9.5%–90.5%, n = 2)" in page                 # treatment recall 1/2
    assert "100.0% (20.7%–100.0%, n = 1)" in page              # treatment retention 1/1


def test_a_draft_shows_its_arms_with_no_figures(owner, private_deck, web_client_for):
    draft = experiment_create(
        deck=private_deck, name="not yet", created_by=owner, arms=[ArmSpec("a", "random", "", 1), ArmSpec("b", "fsrs", "", 1)]
    )
    results = experiment_results(draft)
    assert [(result.arm.name, result.figures.reviews, result.figures.recall.rate) for result in results] == [("a", 0, None), ("b", 0, None)]
    page = web_client_for(owner).get(reverse("experiments:experiment_detail", args=[draft.uuid])).content.decode()
    assert "Start" in page


def test_an_experiment_on_a_parent_deck_counts_the_answers_given_while_studying_it(owner, make_user):
    from django.utils import timezone

    from apps.study.services import study_log_record, study_session_next, study_session_start

    languages = deck_create(owner=owner, title="Languages", visibility="public")
    verbs = deck_create(owner=owner, title="Languages::Verbs", visibility="public")
    card_create(deck=languages, front="idioma", back="language", tags=[])
    card_create(deck=verbs, front="hablar", back="to speak", tags=[])
    experiment = experiment_create(
        deck=languages, name="two arms", created_by=owner, arms=[ArmSpec("fsrs", "fsrs", "", 1), ArmSpec("also fsrs", "fsrs", "", 1)]
    )
    experiment_start(experiment=experiment, now=timezone.now() - timedelta(hours=1))
    learner = make_user("ada")
    session = study_session_start(learner=learner, deck=languages)
    while (shown := study_session_next(session=session)) is not None:  # Easy: each card once, no learning step to repeat
        study_log_record(learner=learner, card=shown.card, log_uuid=uuid.uuid4(), grade=4, response_ms=900, shown_uuid=shown.uuid)

    results = experiment_results(experiment)
    assert StudyLog.objects.filter(deck=verbs).count() == 1
    assert sorted((result.figures.learners, result.figures.reviews) for result in results) == [(0, 0), (1, 2)]
