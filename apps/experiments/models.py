"""Experiments between scheduling policies on the learners of one deck.

An experiment has arms (a policy from the library's registry, optionally the kind of
student model that drives it, and a weight). Each learner who studies the deck while
the experiment runs is assigned to one arm on first use and stays there
(``ArmAssignment``), so changing the weights later moves nobody.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.cards.models import Deck


class Experiment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        RUNNING = "running", "Running"
        STOPPED = "stopped", "Stopped"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    deck = models.ForeignKey(Deck, on_delete=models.PROTECT, related_name="experiments")
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["deck"], condition=Q(status="running"), name="experiment_one_running_per_deck"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()}) on {self.deck}"


class ExperimentArm(models.Model):
    """One treatment: ``policy`` names a registered scheduling policy; ``model_kind`` a student model kind (blank: any active)."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="arms")
    name = models.CharField(max_length=100)
    policy = models.CharField(max_length=40)
    model_kind = models.CharField(max_length=40, blank=True)
    weight = models.PositiveIntegerField(default=1, help_text="Relative share of learners assigned to this arm.")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["experiment", "name"], name="experiment_arm_unique_name"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="experiment_arm_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.policy}" + (f" + {self.model_kind}" if self.model_kind else "")


class ArmAssignment(models.Model):
    """The arm a learner was put in, fixed on first use."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="assignments")
    arm = models.ForeignKey(ExperimentArm, on_delete=models.PROTECT, related_name="assignments")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "experiment"], name="arm_assignment_one_per_learner"),
        ]

    def __str__(self) -> str:
        return f"{self.learner} in {self.arm}"
