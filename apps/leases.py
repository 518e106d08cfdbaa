"""Jobs a worker holds by lease, so that a job whose worker died is retried or failed, never left running.

Training runs, research exports, deck imports and cohort snapshot computations are rows
that a worker claims with one conditional UPDATE (queued -> running) counting an attempt:
a duplicate or redelivered message finds the row claimed and does nothing. The claim is a
lease that the attempt's ``Heartbeat`` renews every ``HEARTBEAT_SECONDS`` while it works,
and every write of the attempt is conditional on still holding it (``leased``). A killed
worker stops the heartbeat; ``stale_leases_recover`` (each kind's beat task, every minute)
then queues the job again, or fails it with the reason once it has had its attempts.

Every kind goes through ``Lease`` (claim, ``beat``, ``finish``, ``fail``, ``working``), so
that a lost lease means the same for all of them: the attempt stops at its next beat, its
result is not stored, and the loss is logged as a warning with the job's name.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta
from contextlib import contextmanager
from typing import Callable, Iterator

from django.conf import settings
from django.db import DatabaseError, connection, models, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10.0


class LeaseLost(Exception):
    """The attempt's claim was taken from it (its heartbeat looked dead): its result must not be stored."""


class LeasedJob(models.Model):
    """The lease fields of a job row; the row's own ``status`` says queued, running or finished."""

    attempts = models.PositiveSmallIntegerField(default=0, help_text="claims by a worker; the latest one holds the lease")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True, help_text="host and process that claimed it")

    class Meta:
        abstract = True


def this_process(hostname: str | None = None) -> str:
    """How a claim names its worker: ``hostname`` (a Celery worker's name; this machine's by default) and process id."""
    return f"{hostname or socket.gethostname()}:{os.getpid()}"


def lease_claim(jobs: QuerySet, *, pk: int, queued: str, running: str, worker: str, **fields) -> int | None:
    """Atomically move the job from ``queued`` to ``running``; the attempt number it now holds, None if it was not queued."""
    now = timezone.now()
    with transaction.atomic():
        claimed = jobs.filter(pk=pk, status=queued).update(
            status=running, heartbeat_at=now, worker=worker, attempts=F("attempts") + 1, **fields
        )
        if not claimed:
            return None
        return jobs.values_list("attempts", flat=True).get(pk=pk)


def leased(jobs: QuerySet, *, pk: int, attempt: int, running: str) -> QuerySet:
    """The job, as long as this attempt still holds its lease (an empty queryset otherwise)."""
    return jobs.filter(pk=pk, status=running, attempts=attempt)


class Lease:
    """One attempt's hold on one job row: every write it makes is conditional on still holding it.

    ``beat`` (progress) and ``finish`` (the result) raise ``LeaseLost`` when another
    attempt holds the row now, so the work stops and a transaction around the result rolls
    back; ``fail`` records a failure only while the lease is held and never raises;
    ``working`` renews the lease in the background and ends on a ``LeaseLost``, which
    ``report_lost`` logs as a warning (``lost`` is then True).
    """

    def __init__(self, jobs: QuerySet, *, pk: int, attempt: int, running: str, name: str) -> None:
        self.jobs = jobs
        self.pk = pk
        self.attempt = attempt
        self.running = running
        self.name = name
        self.lost = False

    @classmethod
    def claim(cls, jobs: QuerySet, *, pk: int, queued: str, running: str, worker: str, name: str, **fields) -> "Lease | None":
        """Claim the queued job (``fields`` set with the claim); None when it was not queued (claimed before or finished)."""
        attempt = lease_claim(jobs, pk=pk, queued=queued, running=running, worker=worker, **fields)
        if attempt is None:
            logger.info("%s was not queued (claimed before or finished); this message is a duplicate", name)
            return None
        return cls(jobs, pk=pk, attempt=attempt, running=running, name=name)

    def held(self) -> QuerySet:
        """The job row, as long as this attempt holds the lease (empty otherwise)."""
        return leased(self.jobs, pk=self.pk, attempt=self.attempt, running=self.running)

    def beat(self, **progress) -> None:
        """Renew the lease and store ``progress``; ``LeaseLost`` when another attempt holds the job, so the work stops."""
        if not self.held().update(heartbeat_at=timezone.now(), **progress):
            raise LeaseLost(f"{self.name} attempt {self.attempt} lost its lease; stopping")

    def finish(self, **result) -> None:
        """Store the outcome (status included); ``LeaseLost`` when another attempt holds the job: the result is not stored."""
        if not self.held().update(**result):
            raise LeaseLost(f"{self.name} attempt {self.attempt} lost its lease; its result was not stored")

    def fail(self, **failure) -> bool:
        """Record that the attempt failed, if it still holds the lease; a lost lease is logged, not raised."""
        try:
            self.finish(**failure)
        except LeaseLost as lost:
            self.report_lost(lost)
            return False
        return True

    @contextmanager
    def working(self) -> Iterator["Lease"]:
        """Renew the lease in the background while the block runs; a ``LeaseLost`` ends the block and is reported."""
        try:
            with Heartbeat(self.held(), name=self.name):
                yield self
        except LeaseLost as lost:
            self.report_lost(lost)

    def report_lost(self, lost: LeaseLost) -> None:
        """How every kind reports a lost lease: a warning naming the job and the attempt."""
        self.lost = True
        logger.warning("%s", lost)


class Heartbeat:
    """A thread that renews the attempt's lease every ``HEARTBEAT_SECONDS`` while it works, even inside one long step.

    When the worker process dies the stamps stop, which is how dead attempts are found. A
    database error skips one beat instead of ending the thread: a blip must not make a
    healthy job look dead.
    """

    def __init__(self, lease: QuerySet, *, name: str) -> None:
        self.lease = lease
        self.name = name
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"heartbeat-{name}", daemon=True)

    def __enter__(self) -> "Heartbeat":
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stopped.set()
        self.thread.join()

    def _beat(self) -> None:
        try:
            while not self.stopped.wait(HEARTBEAT_SECONDS):
                try:
                    self.lease.update(heartbeat_at=timezone.now())
                except DatabaseError:
                    logger.warning("%s: heartbeat failed; trying again", self.name, exc_info=True)
                    connection.close()
        finally:
            connection.close()


def stale_leases_recover(
    jobs: QuerySet,
    *,
    running: str,
    retry: Callable[[str], dict],
    fail: Callable[[str], dict],
    on_retry: Callable[[models.Model], None],
    on_fail: Callable[[models.Model], None] = lambda job: None,
    stale_after: timedelta | None = None,
    max_attempts: int | None = None,
    now: datetime | None = None,
) -> dict:
    """Queue again (``retry(reason)``'s fields, then ``on_retry(job)``) or fail (``fail(reason)``'s fields, then ``on_fail(job)``) the running jobs whose heartbeat is older than ``stale_after``.

    ``stale_after`` and ``max_attempts`` default to ``MNEMO_JOB_STALE_SECONDS`` and
    ``MNEMO_JOB_MAX_ATTEMPTS``. Each change is conditional on the attempt the job had when
    it was found, so an attempt that renews its lease meanwhile keeps its job. Returns how
    many jobs were queued again and how many failed.
    """
    now = now or timezone.now()
    stale_after = stale_after if stale_after is not None else timedelta(seconds=settings.MNEMO_JOB_STALE_SECONDS)
    max_attempts = max_attempts or settings.MNEMO_JOB_MAX_ATTEMPTS
    stale = jobs.filter(Q(heartbeat_at__lt=now - stale_after) | Q(heartbeat_at__isnull=True), status=running)
    retried = failed = 0
    for job in list(stale):
        lost = f"attempt {job.attempts} of {max_attempts}: the worker {job.worker} stopped reporting for over {stale_after} (killed or lost)"
        same_attempt = stale.filter(pk=job.pk, attempts=job.attempts)
        with transaction.atomic():
            if job.attempts < max_attempts:
                if same_attempt.update(**retry(f"{lost}; queued again")):
                    on_retry(job)
                    retried += 1
            elif same_attempt.update(**fail(f"{lost}; no attempts left")):
                on_fail(job)
                failed += 1
    return {"retried": retried, "failed": failed}
