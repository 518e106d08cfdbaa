"""Arm assignment: deterministic, stored on first use, stable when weights change, balanced by weight."""

import random
import uuid

import pytest

from apps.experiments.models import ArmAssignment, Experiment, ExperimentArm
from apps.experiments.services import ArmSpec, arm_for_learner, assignment_fraction, experiment_update, weighted_arm

LEARNERS = 2_000


def _arms(*weights: int) -> list[ExperimentArm]:
    return [ExperimentArm(pk=index + 1, name=f"arm-{index}", policy="random", weight=weight) for index, weight in enumerate(weights)]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("weights", [(50, 50), (80, 20), (1, 1, 2)])
def test_learners_are_split_by_weight_within_tolerance(weights, seed):
    experiment = Experiment(uuid=uuid.UUID(int=random.Random(seed).getrandbits(128)))
    arms = _arms(*weights)
    counts = {arm.name: 0 for arm in arms}
    for learner_id in range(1, LEARNERS + 1):
        counts[weighted_arm(arms, assignment_fraction(experiment, learner_id)).name] += 1
    total = sum(weights)
    for arm in arms:
        share = arm.weight / total
        expected = LEARNERS * share
        standard_deviation = (LEARNERS * share * (1 - share)) ** 0.5
        assert abs(counts[arm.name] - expected) <= 4 * standard_deviation, counts


def test_fraction_depends_on_experiment_and_learner_only():
    first, second = Experiment(uuid=uuid.uuid4()), Experiment(uuid=uuid.uuid4())
    assert assignment_fraction(first, 7) == assignment_fraction(Experiment(uuid=first.uuid), 7)
    fractions = {assignment_fraction(first, learner_id) for learner_id in range(100)}
    assert len(fractions) == 100 and all(0.0 <= value < 1.0 for value in fractions)
    assert [assignment_fraction(first, n) for n in range(20)] != [assignment_fraction(second, n) for n in range(20)]


def test_assignment_is_stored_once_and_stable_across_calls(private_deck, other_learner, running_experiment):
    experiment = running_experiment(private_deck, ("control", "random", "", 1), ("treatment", "fsrs", "", 1))
    arms = [arm_for_learner(experiment=experiment, learner=other_learner) for _ in range(5)]
    assert len({arm.pk for arm in arms}) == 1
    expected = weighted_arm(list(experiment.arms.order_by("id")), assignment_fraction(experiment, other_learner.pk))
    assert arms[0] == expected
    assert ArmAssignment.objects.filter(experiment=experiment, learner=other_learner).count() == 1


def test_a_learner_keeps_their_arm_when_weights_change(private_deck, running_experiment, learner_in_arm):
    experiment = running_experiment(private_deck, ("control", "random", "", 1), ("treatment", "fsrs", "", 1))
    learner = learner_in_arm(experiment, "control")
    assert arm_for_learner(experiment=experiment, learner=learner).name == "control"
    experiment_update(
        experiment=experiment,
        name=experiment.name,
        arms=[ArmSpec("control", "random", "", 1), ArmSpec("treatment", "fsrs", "", 1000)],
    )
    assert arm_for_learner(experiment=experiment, learner=learner).name == "control"
    newcomer = learner_in_arm(experiment, "treatment")
    assert arm_for_learner(experiment=experiment, learner=newcomer).name == "treatment"
