"""What a lost lease looks like from the attempt that lost it: recovery found its heartbeat stale and another worker claimed the job."""

from datetime import timedelta

from django.db.models import QuerySet

from apps.leases import lease_claim, stale_leases_recover

OTHER_WORKER = "worker-2:7"


def another_worker_takes_over(jobs: QuerySet, *, pk: int, queued: str, running: str) -> None:
    """Queue the running job again through the real stale-lease recovery (as if its heartbeat had stopped), then claim it for another worker."""
    recovered = stale_leases_recover(
        jobs.filter(pk=pk), running=running, stale_after=timedelta(0), max_attempts=99,
        retry=lambda reason: {"status": queued}, fail=lambda reason: {}, on_retry=lambda job: None,
    )
    assert recovered == {"retried": 1, "failed": 0}
    assert lease_claim(jobs, pk=pk, queued=queued, running=running, worker=OTHER_WORKER) == 2
