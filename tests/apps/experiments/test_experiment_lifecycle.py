"""Creating, editing, starting and stopping experiments; refused changes change nothing."""

import pytest

from apps.experiments.models import Experiment
from apps.experiments.services import (
    ArmSpec,
    ExperimentInvalid,
    arm_for_learner_studying,
    experiment_create,
    experiment_start,
    experiment_stop,
    experiment_update,
)

TWO_ARMS = [ArmSpec("control", "random", "", 1), ArmSpec("delta", "delta", "logreg", 1)]


@pytest.mark.parametrize(
    "arms, reason",
    [
        ([ArmSpec("only", "random", "", 1)], "needs 2 to 10 arms, got 1"),
        ([ArmSpec(f"arm {index}", "random", "", 1) for index in range(11)], "needs 2 to 10 arms, got 11"),
        ([ArmSpec("a", "random", "", 1), ArmSpec("a", "fsrs", "", 1)], "arm names must differ"),
        ([ArmSpec("a", "random", "", 1), ArmSpec("b", "sm2", "", 1)], "unknown policy 'sm2'"),
        ([ArmSpec("a", "random", "", 1), ArmSpec("b", "delta", "bert", 1)], "unknown model kind 'bert'"),
        ([ArmSpec("a", "random", "", 0), ArmSpec("b", "fsrs", "", 1)], "weight must be a whole number from 1 to 1000, got 0"),
        ([ArmSpec("a", "random", "", 10**12), ArmSpec("b", "fsrs", "", 1)], "weight must be a whole number from 1 to 1000"),
    ],
)
def test_invalid_arms_are_refused_and_nothing_is_created(private_deck, owner, arms, reason):
    with pytest.raises(ExperimentInvalid, match=reason):
        experiment_create(deck=private_deck, name="bad", created_by=owner, arms=arms)
    assert not Experiment.objects.exists()


def test_only_one_experiment_runs_per_deck(private_deck, owner):
    first = experiment_start(experiment=experiment_create(deck=private_deck, name="first", created_by=owner, arms=TWO_ARMS))
    second = experiment_create(deck=private_deck, name="second", created_by=owner, arms=TWO_ARMS)
    with pytest.raises(ExperimentInvalid, match="already running"):
        experiment_start(experiment=second)
    second.refresh_from_db()
    assert second.status == Experiment.Status.DRAFT and second.started_at is None
    experiment_stop(experiment=first)
    assert experiment_start(experiment=second).status == Experiment.Status.RUNNING


def test_learners_are_assigned_only_while_the_experiment_runs(private_deck, owner, other_learner):
    experiment = experiment_create(deck=private_deck, name="trial", created_by=owner, arms=TWO_ARMS)
    assert arm_for_learner_studying(learner=other_learner, deck=private_deck) is None
    experiment_start(experiment=experiment)
    assert arm_for_learner_studying(learner=other_learner, deck=private_deck) is not None
    experiment_stop(experiment=experiment)
    assert arm_for_learner_studying(learner=other_learner, deck=private_deck) is None
    with pytest.raises(ExperimentInvalid, match="only a running experiment"):
        experiment_stop(experiment=experiment)


def test_a_draft_may_be_rearmed_but_a_started_experiment_only_reweighted(private_deck, owner):
    experiment = experiment_create(deck=private_deck, name="trial", created_by=owner, arms=TWO_ARMS)
    rearmed = [ArmSpec("fsrs", "fsrs", "", 2), ArmSpec("target", "recall_target", "", 1)]
    experiment_update(experiment=experiment, name="renamed", arms=rearmed)
    assert [(arm.name, arm.policy, arm.weight) for arm in experiment.arms.order_by("id")] == [("fsrs", "fsrs", 2), ("target", "recall_target", 1)]
    experiment_start(experiment=experiment)
    with pytest.raises(ExperimentInvalid, match="only its name and the arms' weights"):
        experiment_update(experiment=experiment, name="renamed", arms=[ArmSpec("fsrs", "random", "", 2), rearmed[1]])
    experiment_update(experiment=experiment, name="reweighted", arms=[ArmSpec("fsrs", "fsrs", "", 5), rearmed[1]])
    experiment.refresh_from_db()
    assert experiment.name == "reweighted"
    assert [(arm.policy, arm.weight) for arm in experiment.arms.order_by("id")] == [("fsrs", 5), ("recall_target", 1)]
