"""Per-learner study settings, API tokens and cohorts (roles are Django groups, see roles.py)."""

import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from apps.base_models import Timestamped


class LearnerSettings(models.Model):
    """How many cards a learner's study session holds and how their reviews are spread (daily limits and retention are the decks' presets)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner_settings")
    cards_per_session = models.PositiveIntegerField(
        default=20, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    balance_workload = models.BooleanField(
        default=True,
        help_text="Move each review within a day or two of its due date (more for long intervals) to the day with "
        "fewest reviews, and keep cards of one note off the same day (Anki's load balancer).",
    )
    easy_days = models.CharField(
        max_length=7, blank=True, default="", validators=[RegexValidator(r"^[0-6]*$", "weekdays are 0 (Monday) to 6 (Sunday)")],
        help_text="Weekdays (0 Monday ... 6 Sunday) that get about half the reviews of other days.",
    )

    class Meta:
        verbose_name_plural = "learner settings"

    def __str__(self) -> str:
        return f"settings of {self.user}"


class ApiToken(models.Model):
    """A bearer token for the JSON API; only its SHA-256 digest is stored. It works until ``expires_at``."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"API token of {self.user} created {self.created_at:%Y-%m-%d}"


class Cohort(Timestamped):
    """A group of learners that an instructor (or staff) teaches, and the decks assigned to it.

    A cohort is also a training scope: its members' study logs can train a model of
    their own, which serves them on the cohort's decks (see ``apps.modeling.serving``).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_cohorts")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="cohorts")
    decks = models.ManyToManyField("cards.Deck", blank=True, related_name="cohorts")
    exam_date = models.DateField(
        null=True, blank=True,
        help_text="The dashboards' mastery is predicted recall at the start of this day; empty (or past): 7 days ahead.",
    )
    target_recall = models.FloatField(
        default=0.7,
        validators=[MinValueValidator(0.5), MaxValueValidator(0.99)],
        help_text="A card is at risk when its mastery is below this, or when it is overdue.",
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


INVITE_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
INVITE_CODE_LENGTH = 10


def new_invite_code() -> str:
    """Ten characters from an alphabet without look-alikes (no 0/O, 1/I/L): easy to read out or type."""
    return "".join(secrets.choice(INVITE_CODE_ALPHABET) for _ in range(INVITE_CODE_LENGTH))


class CohortInvite(models.Model):
    """A join link and code an instructor hands out: learners who sign in and use it join the cohort themselves.

    It stops working when it expires, when its owner revokes it, or once ``max_uses``
    learners have joined with it.
    """

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="invites")
    code = models.CharField(max_length=INVITE_CODE_LENGTH, unique=True, default=new_invite_code, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    max_uses = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(1000)])
    uses = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"invite {self.code} to {self.cohort}"

    def refusal(self, now) -> str | None:
        """Why the invite cannot be used at ``now``, or None when it can."""
        if self.revoked_at is not None:
            return "This invite was revoked."
        if now >= self.expires_at:
            return "This invite has expired."
        if self.uses >= self.max_uses:
            return "This invite has been used as many times as it allows."
        return None


class CohortDeparture(models.Model):
    """A member who left a cohort, so that its instructor sees who left and when, and nothing of their study.

    ``learner`` is empty once the account is erased (apps.privacy): the cohort page then
    shows "a former member". A learner who joins again is no longer listed as gone.
    """

    class Reason(models.TextChoices):
        LEFT = "left", "left the cohort"
        REMOVED = "removed", "removed by the instructor"
        ACCOUNT_DELETED = "account_deleted", "deleted their account"

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="departures")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    left_at = models.DateTimeField()

    class Meta:
        ordering = ["-left_at", "-id"]
        indexes = [models.Index(fields=["learner", "reason"], name="departure_learner_reason_idx")]

    def __str__(self) -> str:
        return f"{self.learner or 'a former member'} {self.get_reason_display()} “{self.cohort}” on {self.left_at:%Y-%m-%d}"
