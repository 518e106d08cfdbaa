"""Celery task of the dashboards: recompute every snapshot (beat, hourly; after a training run see ``signals``)."""

from celery import shared_task

from apps.dashboards.services import snapshots_refresh


@shared_task
def refresh_snapshots() -> int:
    """Every learner's recall snapshots and every cohort's snapshot; returns how many learner-deck snapshots."""
    return snapshots_refresh()

