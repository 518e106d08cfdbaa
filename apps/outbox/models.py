"""``OutboxTask``: one Celery task message, written in the transaction of the change that needs it.

The row is the source of truth for work handed to Celery: it is sent to the broker after
the transaction commits and deleted by the worker when the task starts. A row still
here is work the broker has not delivered (it was down when the row was sent, or it lost
the message on a restart); ``outbox_sweep`` sends it again.
"""

import uuid

from django.db import models


class OutboxTask(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, help_text="the Celery task id")
    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    queue = models.CharField(max_length=200, blank=True, help_text="blank: the task's default queue")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="last time the broker accepted the message")
    attempts = models.PositiveIntegerField(default=0, help_text="sends tried")
    last_error = models.TextField(blank=True, help_text="why the last send failed")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["sent_at", "created_at"], name="outbox_sent_created_idx")]

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)} ({'sent' if self.sent_at else 'not sent'})"
