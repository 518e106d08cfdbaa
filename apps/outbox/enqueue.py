"""Hand work to Celery so that it survives a broker outage: ``enqueue_on_commit("app.tasks.name", args=[...])``.

Call it inside the transaction that makes the work necessary (or in autocommit mode). It
writes an ``OutboxTask`` row in that transaction and sends the message once the
transaction commits. A send that fails (broker down or unreachable) is logged and left to
the sweep, so the request that committed never fails for want of the broker. The worker
deletes the row when the task starts; ``outbox_sweep`` (beat, every minute) sends again
the rows still here: never-sent ones after ``MNEMO_OUTBOX_SEND_GRACE_SECONDS``, sent ones
after ``MNEMO_OUTBOX_RESEND_MINUTES`` (the broker lost them, e.g. Redis restarted without
persistence). A message can therefore arrive more than once: tasks must be idempotent.

A service names the task it enqueues (its Celery name, ``apps.<app>.tasks.<function>``)
instead of importing it, since the tasks module imports the service: that keeps every app
free of service <-> task import cycles (``tests/apps/test_import_contracts.py``).
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from celery import Task, current_app
from celery.signals import task_prerun
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.outbox.models import OutboxTask

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: str | Task, *, args: list | tuple = (), kwargs: dict | None = None, queue: str | None = None) -> OutboxTask:
    """Record the message for ``task`` (a task or its name) now and send it when the current transaction commits (JSON arguments: ids)."""
    task_name = task if isinstance(task, str) else task.name
    row = OutboxTask.objects.create(task_name=task_name, args=list(args), kwargs=kwargs or {}, queue=queue or "")
    transaction.on_commit(lambda: outbox_send(row))
    return row


def outbox_send(row: OutboxTask) -> bool:
    """Publish the row's message, its uuid as the task id; False, with the reason stored, when the broker refused it."""
    options = {"queue": row.queue} if row.queue else {}
    try:
        current_app.send_task(row.task_name, args=row.args, kwargs=row.kwargs, task_id=str(row.uuid), **options)
    except Exception as error:  # whatever the broker's client raised, the work stays in the outbox for the sweep
        logger.warning("could not send task %s %s (%s); the outbox sweep will send it", row.task_name, row.uuid, error)
        OutboxTask.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1, last_error=str(error)[:1000])
        return False
    OutboxTask.objects.filter(pk=row.pk).update(sent_at=timezone.now(), attempts=F("attempts") + 1, last_error="")
    return True


def outbox_due(*, now=None, resend_after: timedelta | None = None):
    """Rows to send: never sent for longer than the grace period, or sent longer ago than ``resend_after``."""
    now = now or timezone.now()
    if resend_after is None:
        resend_after = timedelta(minutes=settings.MNEMO_OUTBOX_RESEND_MINUTES)
    grace = timedelta(seconds=settings.MNEMO_OUTBOX_SEND_GRACE_SECONDS)
    return OutboxTask.objects.filter(
        Q(sent_at__isnull=True, created_at__lte=now - grace) | Q(sent_at__lte=now - resend_after)
    ).order_by("id")


def outbox_sweep(*, now=None, resend_after: timedelta | None = None, batch: int = 500) -> int:
    """Send the rows due, oldest first, stopping at the first refusal (the broker is still down); returns how many were sent."""
    sent = 0
    for row in outbox_due(now=now, resend_after=resend_after)[:batch]:
        if not outbox_send(row):
            break
        sent += 1
    return sent


@task_prerun.connect(dispatch_uid="outbox-task-started")
def outbox_task_started(task_id: str, **_) -> None:
    """The worker started the task: its message was delivered, so the outbox no longer needs to send it."""
    try:
        task_uuid = uuid.UUID(task_id)
    except (TypeError, ValueError):  # a task id that is not a UUID was never an outbox row
        return
    OutboxTask.objects.filter(uuid=task_uuid).delete()
