"""A training run from claim to promotion: build the data set, split by time, train, score, store, promote.

``training_run_execute`` is what the Celery task and ``manage.py train_model`` call. The
run is claimed with one conditional UPDATE (queued -> running), so a duplicate or
redelivered message finds it claimed and does nothing: one run trains once, makes at
most one version and at most one promotion. A worker killed mid-run leaves the run
``running`` with a heartbeat that stops; ``training_runs_fail_stale`` marks such runs
failed (the active version is only ever changed at the very end, in one transaction,
so it is untouched).
"""

from __future__ import annotations

import logging
import math
import os
import resource
import socket
import threading
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Callable

import numpy as np
import torch
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

import knowledge_tracing
from apps.modeling.artifacts import artifact_load, artifact_store
from apps.modeling.datasets import LOG_COLUMNS, Vocabulary, scope_logs, split_by_time, study_log_table
from apps.modeling.kinds import check_hyperparameters, check_kind
from apps.modeling.models import ModelVersion, Promotion, TrainingRun
from apps.modeling.promotion import model_version_activate, promotion_verdict
from apps.modeling.scopes import Scope
from knowledge_tracing.metrics import summarize
from knowledge_tracing.models import create_model

logger = logging.getLogger(__name__)

ProgressPrinter = Callable[[dict], None]
PROGRESS_SAVE_SECONDS = 1.0
HEARTBEAT_SECONDS = 30.0


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


def training_run_claim(*, run_id: int, worker: str) -> bool:
    """Atomically move the run from queued to running; False if anyone claimed it before."""
    now = timezone.now()
    claimed = TrainingRun.objects.filter(pk=run_id, status=TrainingRun.Status.QUEUED).update(
        status=TrainingRun.Status.RUNNING, started_at=now, heartbeat_at=now, worker=worker,
        progress={"stage": "claimed"},
    )
    return claimed == 1


def training_runs_fail_stale(*, stale_after: timedelta | None = None, now=None) -> int:
    """Mark failed the running runs whose worker stopped reporting (killed); return how many."""
    now = now or timezone.now()
    if stale_after is None:
        stale_after = timedelta(minutes=settings.MNEMO_TRAINING_STALE_MINUTES)
    return TrainingRun.objects.filter(
        Q(heartbeat_at__lt=now - stale_after) | Q(heartbeat_at__isnull=True),
        status=TrainingRun.Status.RUNNING,
    ).update(
        status=TrainingRun.Status.FAILED,
        finished_at=now,
        message=f"the worker stopped reporting for over {stale_after} (killed or lost); the active version was not changed",
    )


def _finish(run_id: int, status: str, message: str = "", **fields) -> None:
    TrainingRun.objects.filter(pk=run_id, status=TrainingRun.Status.RUNNING).update(
        status=status, message=message, finished_at=timezone.now(),
        peak_memory_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, **fields,
    )


class ProgressRecorder:
    """Stores the latest progress report on the run (and the heartbeat), at most once a second."""

    def __init__(self, run_id: int, printer: ProgressPrinter | None) -> None:
        self.run_id = run_id
        self.printer = printer
        self.last_saved = 0.0

    def __call__(self, report: dict, *, force: bool = False) -> None:
        report = {key: _json_number(value) for key, value in report.items()}
        if self.printer:
            self.printer(report)
        if force or time.monotonic() - self.last_saved >= PROGRESS_SAVE_SECONDS:
            self.last_saved = time.monotonic()
            TrainingRun.objects.filter(pk=self.run_id, status=TrainingRun.Status.RUNNING).update(
                progress=report, heartbeat_at=timezone.now()
            )

    def stage(self, name: str) -> None:
        self({"stage": name}, force=True)


def training_run_execute(*, run_id: int, worker: str | None = None, printer: ProgressPrinter | None = None) -> TrainingRun:
    """Claim and carry out the run; returns it as it ended (or unchanged when already claimed)."""
    worker = worker or f"{socket.gethostname()}:{os.getpid()}"
    if not training_run_claim(run_id=run_id, worker=worker):
        logger.info("training run %s was already claimed; this message is a duplicate", run_id)
        return TrainingRun.objects.get(pk=run_id)
    run = TrainingRun.objects.get(pk=run_id)
    recorder = ProgressRecorder(run_id, printer)
    try:
        with Heartbeat(run_id):
            _train_and_store(run, recorder)
    except InsufficientData as reason:
        _finish(run_id, TrainingRun.Status.INSUFFICIENT_DATA, str(reason))
    except SoftTimeLimitExceeded:
        limit = settings.MNEMO_TRAINING_SOFT_TIME_LIMIT
        _finish(run_id, TrainingRun.Status.FAILED, f"stopped at the soft time limit of {limit} s (MNEMO_TRAINING_SOFT_TIME_LIMIT)")
    except Exception as error:  # the run records any failure; the active version stays as it was
        logger.exception("training run %s failed", run_id)
        _finish(run_id, TrainingRun.Status.FAILED, "".join(traceback.format_exception_only(error)).strip())
    return TrainingRun.objects.get(pk=run_id)


class Heartbeat:
    """A thread that stamps the run every ``HEARTBEAT_SECONDS`` while it trains, even inside a long epoch.

    When the worker process dies the stamps stop, which is how stale runs are found.
    """

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"heartbeat-run-{run_id}", daemon=True)

    def __enter__(self) -> "Heartbeat":
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stopped.set()
        self.thread.join()

    def _beat(self) -> None:
        try:
            while not self.stopped.wait(HEARTBEAT_SECONDS):
                TrainingRun.objects.filter(pk=self.run_id, status=TrainingRun.Status.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
        finally:
            connection.close()


@dataclass(frozen=True)
class Scored:
    metrics: dict
    compared_with: dict | None
    active_id: int | None


def _train_and_store(run: TrainingRun, recorder: ProgressRecorder) -> None:
    torch.set_num_threads(settings.MNEMO_TRAINING_THREADS)
    scope = Scope.from_key(run.scope_key)
    recorder.stage("building the data set")
    active = ModelVersion.objects.filter(scope_key=run.scope_key, is_active=True).first()
    rows = list(scope_logs(scope).values_list(*LOG_COLUMNS))
    minimum = settings.MNEMO_TRAINING_MIN_LOGS
    if len(rows) < minimum:
        raise InsufficientData(f"{len(rows)} study logs in scope {run.scope_key}; training needs at least {minimum}")
    table, vocabulary = study_log_table(rows, vocabulary=Vocabulary.from_json(active.vocabulary if active else None))
    split = split_by_time(table, settings.MNEMO_TRAINING_HOLDOUT_FRACTION)
    _check_split(split)
    recorder.stage("training")
    model = create_model(run.kind, **run.hyperparameters)
    model.fit(split.train, progress=recorder)
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
        _finish(run.pk, TrainingRun.Status.SUCCEEDED, reason if promoted else f"kept, not served: {reason}", n_logs=len(table))


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
