"""Large research exports run on a Celery worker; the task takes the export's id."""

from celery import shared_task

from apps.leases import this_process
from apps.research.services import research_export_run, research_exports_delete_expired, research_exports_recover_stale


@shared_task(bind=True, acks_late=True)
def run_research_export(self, export_id: int) -> str | None:
    """Write a queued export; returns the status it ended with (a duplicate message finds it claimed)."""
    export = research_export_run(export_id=export_id, worker=this_process(self.request.hostname))
    return export.status if export else None


@shared_task
def delete_expired_research_exports() -> int:
    """Beat runs this hourly: an expired link's files leave the disk."""
    return research_exports_delete_expired()


@shared_task
def recover_stale_research_exports() -> dict:
    """Beat runs this every minute: an export whose worker died is queued again or failed with the reason."""
    return research_exports_recover_stale()

