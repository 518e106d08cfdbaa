"""Research consent periods and the exports researchers request.

Consent lives here rather than in ``apps.accounts``: what a consent period permits
is defined by the export rules of this app (which logs leave the system), and
keeping both in one app keeps their migrations together. A learner's consent is a
history of periods, never overwritten: opting out closes the open period, opting in
again opens a new one, and only logs answered inside a period are exported.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.accounts.models import Cohort
from apps.cards.models import Deck
from apps.leases import LeasedJob


class ResearchConsentPeriod(models.Model):
    """A time during which the learner agreed that their study logs may be exported for research."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="research_consent_periods")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True, help_text="Empty while the consent holds.")

    class Meta:
        ordering = ["learner", "started_at"]
        constraints = [
            models.UniqueConstraint(fields=["learner"], condition=Q(ended_at__isnull=True), name="consent_one_open_period"),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")), name="consent_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["learner", "started_at"], name="consent_learner_start_idx")]

    def __str__(self) -> str:
        return f"{self.learner} consents from {self.started_at:%Y-%m-%d %H:%M}"


class ResearchExport(LeasedJob):
    """One export a researcher asked for: its filters, its progress, and where its files are."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        JSONL = "jsonl", "JSON Lines"
        PARQUET = "parquet", "Parquet"
        FSRS = "fsrs", "FSRS optimizer review logs (CSV per learner)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="research_exports")
    format = models.CharField(max_length=10, choices=Format.choices)
    answered_from = models.DateTimeField(null=True, blank=True)
    answered_before = models.DateTimeField(null=True, blank=True)
    cohort = models.ForeignKey(Cohort, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    deck = models.ForeignKey(Deck, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    include_card_text = models.BooleanField(default=False)
    include_predictions = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveBigIntegerField(default=0)
    rows_written = models.PositiveBigIntegerField(default=0)
    manifest = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_format_display()} export {self.uuid} by {self.requested_by}"

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.rows_written / self.total_rows) if self.total_rows else 0
