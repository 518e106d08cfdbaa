"""The outbox sweep, run by beat every minute (``CELERY_BEAT_SCHEDULE``)."""

from celery import shared_task

from apps.outbox.enqueue import outbox_sweep


@shared_task
def send_outbox() -> int:
    """Send the task messages the broker has not delivered; returns how many were sent."""
    return outbox_sweep()
