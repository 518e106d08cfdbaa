"""A person's request to delete their account: pending through the grace period, then erased, unless cancelled.

The row outlives the account as a record that an erasure happened and what it removed
(counts only): ``user`` is emptied when the account is erased.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class AccountDeletion(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending (account switched off)"
        CANCELLED = "cancelled", "Cancelled by its owner"
        ERASED = "erased", "Erased"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="account_deletions")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField()
    erase_after = models.DateTimeField(help_text="End of the grace period: the account is erased at the first run of the erasure task after it.")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    consent_withdrawn = models.BooleanField(
        default=False, help_text="Research consent held at the request and was withdrawn by it; cancelling gives it again."
    )
    attempts = models.PositiveIntegerField(default=0, help_text="Erasures tried (a failed one is rolled back whole and tried again).")
    last_error = models.TextField(blank=True, help_text="Why the last erasure attempt failed.")
    erased_rows = models.JSONField(default=dict, blank=True, help_text="Rows removed or handed over, per table (counts only).")

    class Meta:
        ordering = ["erase_after", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(status="pending"), name="account_deletion_one_pending_per_user"),
        ]
        indexes = [models.Index(fields=["status", "erase_after"], name="account_deletion_due_idx")]

    def __str__(self) -> str:
        who = self.user.get_username() if self.user_id else "an erased account"
        return f"deletion of {who} ({self.get_status_display()})"
