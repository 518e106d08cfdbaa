"""Celery tasks of the dashboards: refresh every snapshot (beat, hourly), after a promotion, and an instructor's "Compute now"."""

from celery import shared_task

from apps.dashboards.services import (
    snapshot_computation_run,
    snapshot_computations_recover_stale,
    snapshots_after_promotion,
    snapshots_refresh,
)
from apps.leases import this_process


@shared_task
def refresh_snapshots() -> int:
    """Every learner's mastery snapshots and every cohort's snapshot; returns how many learner-deck snapshots."""
    return snapshots_refresh()


@shared_task(acks_late=True)
def refresh_snapshots_after_promotion(promotion_id: int) -> int:
    """The snapshots of the scope a version was just promoted (or rolled back) in; returns how many learner-deck snapshots."""
    return snapshots_after_promotion(promotion_id=promotion_id)


@shared_task(bind=True, acks_late=True)
def compute_cohort_snapshot(self, computation_id: int) -> str | None:
    """Run a queued "Compute now"; returns the status it ended with (a duplicate message finds it claimed: None)."""
    computation = snapshot_computation_run(computation_id=computation_id, worker=this_process(self.request.hostname))
    return computation.status if computation else None


@shared_task
def recover_stale_snapshot_computations() -> dict:
    """Beat runs this every minute: a computation whose worker died is queued again or failed with the reason."""
    return snapshot_computations_recover_stale()
