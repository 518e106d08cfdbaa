"""Writes for experiments: create, edit, start, stop, and the (stored) arm of a learner.

Arm assignment is deterministic: a hash of the experiment's UUID and the learner's id
gives a number in [0, 1) that falls into one arm's share of the weights. It is stored
on first use, so a learner stays in their arm when the weights change later, and a
concurrent first request cannot assign the same learner twice.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.cards.models import Deck
from apps.experiments.models import ArmAssignment, Experiment, ExperimentArm
from apps.experiments.running import running_experiment
from knowledge_tracing.models import MODEL_REGISTRY
from knowledge_tracing.policies import POLICY_REGISTRY

MIN_ARMS = 2
MAX_ARMS = 10
MAX_ARM_WEIGHT = 1000  # shares as fine as 0.1 %; far inside the database's integer range


class ExperimentInvalid(ValueError):
    """An experiment change that is refused; nothing was changed."""


@dataclass(frozen=True)
class ArmSpec:
    """What an arm should be: its name, a registered policy, a model kind ('' for any active model), a weight."""

    name: str
    policy: str
    model_kind: str
    weight: int


def _validated_arms(arms: list[ArmSpec]) -> list[ArmSpec]:
    if not MIN_ARMS <= len(arms) <= MAX_ARMS:
        raise ExperimentInvalid(f"an experiment needs {MIN_ARMS} to {MAX_ARMS} arms, got {len(arms)}")
    names = [arm.name for arm in arms]
    if len(set(names)) != len(names):
        raise ExperimentInvalid(f"arm names must differ, got {names}")
    for arm in arms:
        if not arm.name.strip():
            raise ExperimentInvalid("every arm needs a name")
        if arm.policy not in POLICY_REGISTRY:
            raise ExperimentInvalid(f"arm {arm.name!r}: unknown policy {arm.policy!r}; known: {', '.join(sorted(POLICY_REGISTRY))}")
        if arm.model_kind and arm.model_kind not in MODEL_REGISTRY:
            raise ExperimentInvalid(f"arm {arm.name!r}: unknown model kind {arm.model_kind!r}; known: {', '.join(sorted(MODEL_REGISTRY))}")
        if isinstance(arm.weight, bool) or not isinstance(arm.weight, int) or not 1 <= arm.weight <= MAX_ARM_WEIGHT:
            raise ExperimentInvalid(f"arm {arm.name!r}: weight must be a whole number from 1 to {MAX_ARM_WEIGHT}, got {arm.weight!r}")
    return arms


def _create_arms(experiment: Experiment, arms: list[ArmSpec]) -> None:
    ExperimentArm.objects.bulk_create(
        ExperimentArm(experiment=experiment, name=arm.name, policy=arm.policy, model_kind=arm.model_kind, weight=arm.weight)
        for arm in arms
    )


@transaction.atomic
def experiment_create(*, deck: Deck, name: str, created_by, arms: list[ArmSpec]) -> Experiment:
    """A draft experiment on ``deck`` with the given arms."""
    arms = _validated_arms(arms)
    experiment = Experiment.objects.create(deck=deck, name=name, created_by=created_by)
    _create_arms(experiment, arms)
    return experiment


@transaction.atomic
def experiment_update(*, experiment: Experiment, name: str, arms: list[ArmSpec]) -> Experiment:
    """Rename and re-arm a draft; once started, only the name and the arms' weights may change.

    Learners already assigned keep their arm whatever the new weights are.
    """
    arms = _validated_arms(arms)
    experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
    if experiment.status == Experiment.Status.DRAFT:
        experiment.arms.all().delete()
        _create_arms(experiment, arms)
    else:
        existing = {arm.name: arm for arm in experiment.arms.all()}
        unchanged = {(arm.name, arm.policy, arm.model_kind) for arm in existing.values()}
        if {(arm.name, arm.policy, arm.model_kind) for arm in arms} != unchanged:
            raise ExperimentInvalid("once an experiment has started, only its name and the arms' weights can change")
        for arm in arms:
            ExperimentArm.objects.filter(pk=existing[arm.name].pk).update(weight=arm.weight)
    experiment.name = name
    experiment.save(update_fields=["name"])
    return experiment


def _require_status(experiment: Experiment, status: str, change: str) -> None:
    if experiment.status != status:
        current = experiment.get_status_display().lower()
        raise ExperimentInvalid(f"only a {Experiment.Status(status).label.lower()} experiment can be {change}; this one is {current}")


def experiment_start(*, experiment: Experiment, now: datetime | None = None) -> Experiment:
    """Start a draft; refused while another experiment runs on the same deck."""
    _require_status(experiment, Experiment.Status.DRAFT, "started")
    experiment.status = Experiment.Status.RUNNING
    experiment.started_at = now or timezone.now()
    try:
        with transaction.atomic():
            experiment.save(update_fields=["status", "started_at"])
    except IntegrityError:
        experiment.status, experiment.started_at = Experiment.Status.DRAFT, None
        raise ExperimentInvalid("another experiment is already running on this deck; stop it first") from None
    return experiment


def experiment_stop(*, experiment: Experiment, now: datetime | None = None) -> Experiment:
    """Stop a running experiment: its learners go back to the default policy; its results stay."""
    _require_status(experiment, Experiment.Status.RUNNING, "stopped")
    experiment.status = Experiment.Status.STOPPED
    experiment.stopped_at = now or timezone.now()
    experiment.save(update_fields=["status", "stopped_at"])
    return experiment


def assignment_fraction(experiment: Experiment, learner_id: int) -> float:
    """A number in [0, 1) fixed by the experiment and the learner, uniform across learners."""
    digest = hashlib.sha256(f"{experiment.uuid}:{learner_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def weighted_arm(arms: list[ExperimentArm], fraction: float) -> ExperimentArm:
    """The arm whose share of the total weight contains ``fraction`` (arms in a fixed order)."""
    if not arms:
        raise ExperimentInvalid("this experiment has no arms")
    threshold = fraction * sum(arm.weight for arm in arms)
    cumulative = 0
    for arm in arms:
        cumulative += arm.weight
        if threshold < cumulative:
            return arm
    return arms[-1]


def arm_for_learner(*, experiment: Experiment, learner, now: datetime | None = None) -> ExperimentArm:
    """The learner's arm: the stored one, else drawn from the current weights and stored."""
    stored = ArmAssignment.objects.select_related("arm").filter(experiment=experiment, learner=learner).first()
    if stored is not None:
        return stored.arm
    arm = weighted_arm(list(experiment.arms.order_by("id")), assignment_fraction(experiment, learner.pk))
    try:
        with transaction.atomic():
            ArmAssignment.objects.create(experiment=experiment, arm=arm, learner=learner, assigned_at=now or timezone.now())
    except IntegrityError:
        return ArmAssignment.objects.select_related("arm").get(experiment=experiment, learner=learner).arm
    return arm


def arm_for_learner_studying(*, learner, deck: Deck, now: datetime | None = None) -> ExperimentArm | None:
    """The learner's arm in the experiment running on ``deck``; None when none runs there."""
    experiment = running_experiment(deck)
    if experiment is None:
        return None
    return arm_for_learner(experiment=experiment, learner=learner, now=now)
