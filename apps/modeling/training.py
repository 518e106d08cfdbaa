"""A training run from claim to promotion: build the data set, split by time, train, score, store, promote.

``training_run_execute`` is what the Celery task and ``manage.py train_model`` call. The
run is claimed with one conditional UPDATE (queued -> running) that counts an attempt,
so a duplicate or redelivered message finds it claimed and does nothing: one attempt
trains at a time, and a run makes at most one version and at most one promotion.

The claim is a lease (``apps.leases``, shared with research exports and deck imports):
the attempt's heartbeat renews it, and every write of the attempt (progress, the result)
is conditional on still holding it. A worker killed mid-run stops the heartbeat;
``training_runs_recover_stale`` (beat, every minute) then queues the run again once its
heartbeat is older than ``MNEMO_TRAINING_STALE_SECONDS``, or fails it with the reason
after ``MNEMO_TRAINING_MAX_ATTEMPTS`` attempts. Queued runs that no worker started within
``MNEMO_TRAINING_QUEUED_HOURS`` are failed with the reason too, so a lost run never keeps
its kind and scope busy. The active version only changes at the very end, in one
transaction, so a dead attempt leaves it untouched.
"""

from __future__ import annotations

import logging
import math
import resource
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Callable

import numpy as np
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone

import knowledge_tracing
from apps.leases import Lease, stale_leases_recover, this_process
from apps.modeling.artifacts import artifact_load, artifact_store
from apps.modeling.datasets import TimeSplit, Vocabulary, scope_logs, split_by_time, study_log_table_of_columns
from apps.modeling.kinds import check_hyperparameters, check_kind, training_hyperparameters
from apps.modeling.memory_budget import ScopeTooLarge, memory_budget_check
from apps.modeling.models import ModelVersion, Promotion, TrainingRun
from apps.modeling.promotion import model_version_activate, promotion_verdict
from apps.modeling.scopes import Scope
from apps.modeling.table_cache import scope_columns
from apps.outbox.enqueue import enqueue_on_commit
from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.metrics import summarize
from knowledge_tracing.models import FitReport, create_model

logger = logging.getLogger(__name__)

ProgressPrinter = Callable[[dict], None]
# Hands a run's per-learner fitting to the workers in parts (apps.modeling.fanout); True when it did.
FanOut = Callable[..., bool]
PROGRESS_SAVE_SECONDS = 1.0
TRAIN_MODEL_VERSION_TASK = "apps.modeling.tasks.train_model_version"


class InsufficientData(Exception):
    """Too few logs (or only one kind of answer) to train and evaluate; the run ends with this message."""


def training_run_create(
    *, kind: str, scope: Scope, trigger: str, hyperparameters: dict | None = None, requested_by=None
) -> TrainingRun:
    return TrainingRun.objects.create(
        kind=check_kind(kind),
        scope_key=scope.key,
        **scope.target_fields(),
        hyperparameters=check_hyperparameters(kind, hyperparameters or {}),
        trigger=trigger,
        requested_by=requested_by,
    )


def training_run_enqueue(*, run: TrainingRun, queue: str | None = None) -> None:
    """Send the run to a worker (on ``queue``, remembered for its retries) through the outbox."""
    if queue and run.queue != queue:
        TrainingRun.objects.filter(pk=run.pk).update(queue=queue)
        run.queue = queue
    enqueue_on_commit(TRAIN_MODEL_VERSION_TASK, args=[run.pk], queue=run.queue or None)


def training_run_claim(*, run_id: int, worker: str) -> Lease | None:
    """Atomically move the run from queued to running; the lease this attempt now holds, None if it was not queued."""
    return Lease.claim(
        TrainingRun.objects, pk=run_id, queued=TrainingRun.Status.QUEUED, running=TrainingRun.Status.RUNNING, worker=worker,
        name=f"training run {run_id}", started_at=timezone.now(), progress={"stage": "claimed"}, finished_at=None,
    )


def training_runs_recover_stale(*, stale_after: timedelta | None = None, now=None) -> dict:
    """Retry or fail the running runs whose worker stopped reporting, and fail runs queued too long.

    Returns how many runs were queued again and how many failed.
    """
    now = now or timezone.now()
    if stale_after is None:
        stale_after = timedelta(seconds=settings.MNEMO_TRAINING_STALE_SECONDS)
    recovered = stale_leases_recover(
        TrainingRun.objects, running=TrainingRun.Status.RUNNING, stale_after=stale_after,
        max_attempts=settings.MNEMO_TRAINING_MAX_ATTEMPTS, now=now,
        retry=lambda reason: {"status": TrainingRun.Status.QUEUED, "queued_at": now, "message": reason},
        fail=lambda reason: {
            "status": TrainingRun.Status.FAILED, "finished_at": now, "message": f"{reason}; the active version was not changed",
        },
        on_retry=lambda run: training_run_enqueue(run=run, queue=run.queue or None),
    )
    queued_for = timedelta(hours=settings.MNEMO_TRAINING_QUEUED_HOURS)
    recovered["failed"] += TrainingRun.objects.filter(status=TrainingRun.Status.QUEUED, queued_at__lt=now - queued_for).update(
        status=TrainingRun.Status.FAILED, finished_at=now,
        message=f"no worker started it within {queued_for} of being queued (is a worker consuming its queue?)",
    )
    return recovered


def _finish(lease: Lease, status: str, message: str = "", **fields) -> None:
    """Record how the attempt ended; raises ``LeaseLost`` when another attempt holds the run now."""
    lease.finish(status=status, message=message, finished_at=timezone.now(), **_peak_memory(), **fields)


def run_fail(lease: Lease, status: str, message: str) -> None:
    """Record an attempt that ended without a model, unless another attempt holds the run now."""
    lease.fail(status=status, message=message, finished_at=timezone.now(), **_peak_memory())


def _peak_memory() -> dict:
    return {"peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}


class ProgressRecorder:
    """Stores the latest progress report on the run (and renews the lease), at most once a second."""

    def __init__(self, lease: Lease, printer: ProgressPrinter | None) -> None:
        self.lease = lease
        self.printer = printer
        self.last_saved = 0.0

    def __call__(self, report: dict, *, force: bool = False) -> None:
        report = {key: _json_number(value) for key, value in report.items()}
        if self.printer:
            self.printer(report)
        if force or time.monotonic() - self.last_saved >= PROGRESS_SAVE_SECONDS:
            self.last_saved = time.monotonic()
            self.lease.beat(progress=report)

    def stage(self, name: str) -> None:
        self({"stage": name}, force=True)


def training_run_execute(
    *, run_id: int, worker: str | None = None, printer: ProgressPrinter | None = None, fan_out: FanOut | None = None
) -> TrainingRun:
    """Claim and carry out the run; returns it as it ended (or unchanged when it was not queued).

    With ``fan_out`` (the Celery task's), a kind fitted per learner may be handed to the
    workers in parts: the run is then still running when this returns.
    """
    lease = training_run_claim(run_id=run_id, worker=worker or this_process())
    if lease is None:
        return TrainingRun.objects.get(pk=run_id)
    run = TrainingRun.objects.get(pk=run_id)
    with attempt_outcome_recorded(lease):
        _train_and_store(run, lease, ProgressRecorder(lease, printer), fan_out)
    return TrainingRun.objects.get(pk=run_id)


@contextmanager
def attempt_outcome_recorded(lease: Lease):
    """Run the block under the attempt's heartbeat; whatever ends it early ends the run with the reason.

    Shared by the attempt that claims a run and by the step that scores a fanned-out
    run after its parts (``apps.modeling.fanout``), so both fail a run alike.
    """
    run_id = lease.pk
    try:
        with lease.working():
            yield
    except ScopeTooLarge as reason:
        run_fail(lease, TrainingRun.Status.FAILED, str(reason))
    except InsufficientData as reason:
        run_fail(lease, TrainingRun.Status.INSUFFICIENT_DATA, str(reason))
    except SoftTimeLimitExceeded:
        limit = settings.MNEMO_TRAINING_SOFT_TIME_LIMIT
        run_fail(lease, TrainingRun.Status.FAILED, f"stopped at the soft time limit of {limit} s (MNEMO_TRAINING_SOFT_TIME_LIMIT)")
    except Exception as error:  # the run records any failure; the active version stays as it was
        logger.exception("training run %s failed", run_id)
        run_fail(lease, TrainingRun.Status.FAILED, "".join(traceback.format_exception_only(error)).strip())


@dataclass(frozen=True)
class Scored:
    metrics: dict
    compared_with: dict | None
    active_id: int | None


def _train_and_store(run: TrainingRun, lease: Lease, recorder: ProgressRecorder, fan_out: FanOut | None = None) -> None:
    import torch  # here, not at the top: only a training worker needs PyTorch

    torch.set_num_threads(settings.MNEMO_TRAINING_THREADS)
    scope = Scope.from_key(run.scope_key)
    recorder.stage("building the data set")
    active = ModelVersion.objects.filter(scope_key=run.scope_key, is_active=True).first()
    table, vocabulary = training_table(scope, kind=run.kind, vocabulary=Vocabulary.from_json(active.vocabulary if active else None))
    split = split_by_time(table, settings.MNEMO_TRAINING_HOLDOUT_FRACTION)
    _check_split(split)
    recorder.stage("training")
    model = create_model(run.kind, device=training_device(), **training_hyperparameters(run.kind, run.hyperparameters))
    if fan_out is not None and fan_out(run=run, lease=lease, model=model, split=split, vocabulary=vocabulary):
        return  # the parts carry the run on; the last one to finish queues its scoring (training_run_store)
    report = model.fit(split.train, progress=recorder)
    training_run_store(run=run, lease=lease, recorder=recorder, model=model, split=split, vocabulary=vocabulary, fit_report=report)


def training_run_store(
    *, run: TrainingRun, lease: Lease, recorder: ProgressRecorder, model, split: TimeSplit, vocabulary: Vocabulary,
    fit_report: FitReport | None = None,
) -> None:
    """Score the fitted model on the held-out logs beside the active version, store it, and promote it if it is better.

    The run's message gives the verdict, then how the epochs ended (``fit_report``), so
    an operator sees a run that stopped at its time budget rather than by patience.
    """
    scope = Scope.from_key(run.scope_key)
    table = split.table
    active = ModelVersion.objects.filter(scope_key=run.scope_key, is_active=True).first()
    recorder.stage("evaluating on the held-out logs")
    scored = _score(model, split, active)
    recorder.stage("saving")
    label = f"{run.kind}-{run.uuid.hex[:12]}"
    artifact_name, checksum = artifact_store(model=model, label=label)
    data_window = {
        "first_log_at": _iso(table.time.min()),
        "last_log_at": _iso(table.time.max()),
        "holdout_from": _iso(split.cutoff),
        "n_logs": len(table),
        "n_train": len(split.train),
        "n_holdout": int(split.holdout_rows.sum()),
        "n_learners": table.n_learners,
        "n_cards": table.n_items,
    }
    with transaction.atomic():
        version = ModelVersion.objects.create(
            label=label, run=run, kind=run.kind, scope_key=run.scope_key, **scope.target_fields(),
            artifact=artifact_name, checksum=checksum, library_version=knowledge_tracing.__version__,
            hyperparameters=model.hyperparameters, vocabulary=vocabulary.to_json(), data_window=data_window,
            auc=scored.metrics["auc"], log_loss=scored.metrics["log_loss"], ece=scored.metrics["ece"],
            brier=scored.metrics["brier"], n=scored.metrics["n"], reliability=scored.metrics["reliability"],
            compared_with=scored.compared_with,
        )
        promote, reason = promotion_verdict(
            log_loss=version.log_loss, ece=version.ece,
            active_log_loss=None if scored.compared_with is None else scored.compared_with["log_loss"],
        )
        promoted = promote and model_version_activate(
            version=version, action=Promotion.Action.AUTOMATIC, reason=reason, expected_active_id=scored.active_id
        ) is not None
        verdict = reason if promoted else f"kept, not served: {reason}"
        _finish(lease, TrainingRun.Status.SUCCEEDED, verdict + _epochs_summary(fit_report, model.hyperparameters), n_logs=len(table))


def _epochs_summary(report: FitReport | None, hyperparameters: dict) -> str:
    """"; 4 epochs, kept epoch 3, stopped by its time budget of 1500 s" for a model trained in epochs, else ""."""
    if report is None or not report.epochs:
        return ""
    kept = f", kept epoch {report.best_epoch}" if report.best_epoch else ""
    why = {
        "patience": f"stopped by patience ({hyperparameters.get('patience')} epochs without progress on validation)",
        "max_epochs": f"stopped at max_epochs ({hyperparameters.get('max_epochs')})",
        "time budget": f"stopped by its time budget of {hyperparameters.get('max_train_seconds')} s (max_train_seconds)",
    }.get(report.stopped_by)
    return f"; {len(report.epochs)} epochs{kept}" + (f", {why}" if why else "")


TRAINING_DEVICES = ("cpu", "cuda")


def training_device() -> str:
    """``MNEMO_TRAINING_DEVICE``: "cuda" only where PyTorch sees a GPU (never required), else "cpu"."""
    import torch

    wanted = settings.MNEMO_TRAINING_DEVICE
    if wanted not in TRAINING_DEVICES:
        raise ValueError(f"MNEMO_TRAINING_DEVICE must be one of {', '.join(TRAINING_DEVICES)}, got {wanted!r}")
    return "cuda" if wanted == "cuda" and torch.cuda.is_available() else "cpu"


def training_table(scope: Scope, *, kind: str, vocabulary: Vocabulary) -> tuple[StudyLogTable, Vocabulary]:
    """The scope's live logs as the table ``kind`` trains on, after refusing too few logs or too many for the memory budget.

    Counting first (one query) lets both refusals happen before a single log is read.
    """
    n_logs = scope_logs(scope).count()
    minimum = settings.MNEMO_TRAINING_MIN_LOGS
    if n_logs < minimum:
        raise InsufficientData(f"{n_logs} study logs in scope {scope.key}; training needs at least {minimum}")
    memory_budget_check(kind=kind, n_logs=n_logs, scope_key=scope.key)
    return study_log_table_of_columns(scope_columns(scope.key, scope_logs(scope)).columns, vocabulary=vocabulary)


def _check_split(split) -> None:
    if len(np.unique(split.train.outcome)) < 2:
        raise InsufficientData("the training logs hold only one kind of answer (all recalled or all forgotten)")
    if split.holdout_rows.sum() == 0 or len(split.train) == 0:
        raise InsufficientData("the logs span too short a time to hold out the most recent ones")


def _score(model, split, active: ModelVersion | None) -> Scored:
    outcome = split.table.outcome[split.holdout_rows]
    metrics = summarize(outcome, model.predict_proba(split.table)[split.holdout_rows])
    metrics["auc"] = None if math.isnan(metrics["auc"]) else metrics["auc"]
    if active is None:
        return Scored(metrics=metrics, compared_with=None, active_id=None)
    active_metrics = summarize(outcome, artifact_load(active).predict_proba(split.table)[split.holdout_rows])
    compared = {key: _json_number(active_metrics[key]) for key in ("auc", "log_loss", "ece", "brier", "n")}
    return Scored(metrics=metrics, compared_with={"label": active.label, **compared}, active_id=active.pk)


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(float(seconds), tz=dt_timezone.utc).isoformat()


def _json_number(value):
    """Numbers as plain floats (numpy and NaN are not JSON)."""
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value
