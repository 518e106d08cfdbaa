"""A run of a kind fitted per learner (FSRS-6, FSRS-7), split into parts that every worker takes a share of.

Optimising each learner's parameters is independent of the others, and it is nearly all
of such a run's time, so a run with more worker processes should finish sooner. The
attempt that claims the run builds the table as usual, writes it once to
``MEDIA_ROOT/training-parts/`` (the workers' shared media storage), cuts the learners
into parts of ``MNEMO_TRAINING_PART_LEARNERS`` and sends one message per part through
the outbox (``fit_training_part``; a group, not a chord: the join is a counter on the
run, ``parts_pending``, so it survives a broker outage like every other task, and the
per-part results live in the database, not in a result backend).

- Each part renews the run's lease while it works and adds its learners to the run's
  progress (``learners_done`` of ``learners``, ``parts_done`` of ``parts``).
- A part whose fitting raises is queued again by itself, up to
  ``MNEMO_TRAINING_PART_ATTEMPTS`` tries; the other parts keep their results. A part
  that fails its last try fails the run with the reason: no version is made from part
  of the data.
- The part that brings ``parts_pending`` to zero (one atomic decrement, so exactly one)
  queues ``finish_training_run``, which checks that every part of the attempt
  succeeded and covers every training learner, fits what the learners share, scores,
  stores and promotes as an unsplit run does (``training_run_store``).
- A worker killed mid-part stops the heartbeat: the stale-run recovery then retries the
  whole run as a new attempt, whose parts are new rows; messages of the old attempt's
  parts find the lease gone and do nothing.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum

from apps.leases import Lease, LeaseLost
from apps.modeling.array_files import arrays_load, arrays_store
from apps.modeling.datasets import TimeSplit, Vocabulary, split_by_time
from apps.modeling.models import TrainingPart, TrainingRun
from apps.modeling.training import ProgressRecorder, attempt_outcome_recorded, run_fail, training_device, training_run_store
from apps.outbox.enqueue import enqueue_on_commit
from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.models import create_model
from knowledge_tracing.models.repeat_reviews import PerLearnerFit

logger = logging.getLogger(__name__)

PARTS_FOLDER = "training-parts"
FIT_PART_TASK = "apps.modeling.tasks.fit_training_part"
FINISH_RUN_TASK = "apps.modeling.tasks.finish_training_run"
TABLE_ARRAYS = ("learner", "item", "time", "outcome", "grade", "duration_ms", "concept", "item_embeddings", "item_concepts")


def training_fanout_start(*, run: TrainingRun, lease: Lease, model, split: TimeSplit, vocabulary: Vocabulary) -> bool:
    """Hand the run's per-learner fitting to the workers in parts; False (fit here) when it has one part or is not per learner."""
    if not isinstance(model, PerLearnerFit) or not model.fits_per_learner:
        return False
    keys = _training_learner_keys(split)
    size = settings.MNEMO_TRAINING_PART_LEARNERS
    groups = [keys[start:start + size] for start in range(0, len(keys), size)]
    if len(groups) < 2:
        return False
    for stale in _parts_directory().glob(f"{run.uuid.hex}-*.npz"):
        stale.unlink(missing_ok=True)  # an earlier attempt's table
    attempt = lease.attempt
    _table_write(_table_path(run, attempt), split.table, vocabulary)
    with transaction.atomic():
        if not lease.held().update(
            parts_pending=len(groups),
            progress={"stage": "fitting learners in parts", "parts": len(groups), "parts_done": 0, "learners": len(keys), "learners_done": 0},
        ):
            raise LeaseLost(f"training run {run.pk} attempt {attempt} lost its lease before its parts were sent")
        TrainingPart.objects.bulk_create(
            [TrainingPart(run=run, run_attempt=attempt, index=index, learner_keys=group) for index, group in enumerate(groups)]
        )
        for part in TrainingPart.objects.filter(run=run, run_attempt=attempt):
            enqueue_on_commit(FIT_PART_TASK, args=[part.pk], queue=run.queue or None)
    logger.info("training run %s attempt %s: %s learners in %s parts", run.pk, attempt, len(keys), len(groups))
    return True


def training_part_execute(*, part_id: int) -> str | None:
    """Fit the part's learners (claiming it first); the status it ended with, None when it was not queued or the run moved on."""
    if not TrainingPart.objects.filter(pk=part_id, status=TrainingPart.Status.QUEUED).update(
        status=TrainingPart.Status.RUNNING, attempts=F("attempts") + 1
    ):
        return None
    part = TrainingPart.objects.select_related("run").get(pk=part_id)
    run, lease = part.run, run_lease(part.run, part.run_attempt)
    if not lease.held().exists():
        TrainingPart.objects.filter(pk=part_id).update(status=TrainingPart.Status.FAILED, message="the run is no longer at this attempt")
        return None
    recorder = PartProgress(part, lease)
    try:
        with lease.working():
            parameters = _fit_learners(run, part, recorder)
    except Exception as error:  # this part is retried alone; the run fails only after its last try
        return _part_failed(part, lease, "".join(traceback.format_exception_only(error)).strip())
    if lease.lost:
        return None
    TrainingPart.objects.filter(pk=part_id).update(status=TrainingPart.Status.SUCCEEDED, parameters=parameters, done=len(parameters))
    _count_part_done(run, lease)
    try:
        recorder.report(force=True)
    except LeaseLost:  # the run finished (or failed) in the meantime: nothing left to report to
        pass
    return TrainingPart.Status.SUCCEEDED


def _fit_learners(run: TrainingRun, part: TrainingPart, recorder: "PartProgress") -> dict[str, list[float]]:
    import torch

    torch.set_num_threads(settings.MNEMO_TRAINING_THREADS)
    table, _ = _table_read(_table_path(run, part.run_attempt))
    train = split_by_time(table, settings.MNEMO_TRAINING_HOLDOUT_FRACTION).train
    model = create_model(run.kind, device=training_device(), **run.hyperparameters)
    bounds = train.learner_boundaries()
    rows_of = {str(train.learner_keys[train.learner[start]]): (start, end) for start, end in zip(bounds[:-1], bounds[1:])}
    parameters = {}
    for key in part.learner_keys:
        start, end = rows_of[key]
        parameters[key] = model.optimize_learner(train.take(np.arange(start, end)))
        recorder.learner_done(len(parameters))
    return parameters


def run_lease(run: TrainingRun, attempt: int) -> Lease:
    """The lease of the run's attempt that made the parts, which each part renews while it works."""
    return Lease(TrainingRun.objects, pk=run.pk, attempt=attempt, running=TrainingRun.Status.RUNNING, name=f"training run {run.pk}")


def _part_failed(part: TrainingPart, lease: Lease, reason: str) -> str:
    run = part.run
    tries = TrainingPart.objects.values_list("attempts", flat=True).get(pk=part.pk)
    if tries < settings.MNEMO_TRAINING_PART_ATTEMPTS:
        logger.warning("training run %s part %s failed (try %s), queued again: %s", run.pk, part.index, tries, reason)
        with transaction.atomic():
            TrainingPart.objects.filter(pk=part.pk).update(status=TrainingPart.Status.QUEUED, message=reason, done=0)
            enqueue_on_commit(FIT_PART_TASK, args=[part.pk], queue=run.queue or None)
        return TrainingPart.Status.QUEUED
    TrainingPart.objects.filter(pk=part.pk).update(status=TrainingPart.Status.FAILED, message=reason)
    parts = TrainingPart.objects.filter(run=run, run_attempt=part.run_attempt).count()
    run_fail(
        lease, TrainingRun.Status.FAILED,
        f"part {part.index + 1} of {parts} failed {tries} times ({reason}); no version was made from part of the data "
        "and the active version was not changed",
    )
    _table_path(run, part.run_attempt).unlink(missing_ok=True)
    return TrainingPart.Status.FAILED


def _count_part_done(run: TrainingRun, lease: Lease) -> None:
    """One atomic decrement of the run's pending parts; the part that reaches zero queues the scoring."""
    with transaction.atomic():
        if not lease.held().filter(parts_pending__gt=0).update(parts_pending=F("parts_pending") - 1):
            return
        if TrainingRun.objects.values_list("parts_pending", flat=True).get(pk=run.pk) == 0:
            enqueue_on_commit(FINISH_RUN_TASK, args=[run.pk, lease.attempt], queue=run.queue or None)


class PartProgress:
    """The part's learners done, and the run's progress summed over its parts, stored at most once a second."""

    def __init__(self, part: TrainingPart, lease: Lease) -> None:
        self.part = part
        self.recorder = ProgressRecorder(lease, printer=None)

    def learner_done(self, done: int) -> None:
        TrainingPart.objects.filter(pk=self.part.pk).update(done=done)
        self.report()

    def report(self, *, force: bool = False) -> None:
        parts = TrainingPart.objects.filter(run_id=self.part.run_id, run_attempt=self.part.run_attempt)
        self.recorder({
            "stage": "fitting learners in parts",
            "parts": parts.count(),
            "parts_done": parts.filter(status=TrainingPart.Status.SUCCEEDED).count(),
            "learners": sum(len(keys) for keys in parts.values_list("learner_keys", flat=True)),
            "learners_done": parts.aggregate(done=Sum("done"))["done"] or 0,
        }, force=force)


def training_run_finish(*, run_id: int, attempt: int) -> TrainingRun:
    """Join the parts of the attempt: with every training learner fitted, score, store and promote; else fail the run."""
    run = TrainingRun.objects.get(pk=run_id)
    lease = run_lease(run, attempt)
    if not lease.held().exists():
        return run
    path = _table_path(run, attempt)
    with attempt_outcome_recorded(lease):
        recorder = ProgressRecorder(lease, printer=None)
        recorder.stage("joining the parts")
        table, vocabulary = _table_read(path)
        split = split_by_time(table, settings.MNEMO_TRAINING_HOLDOUT_FRACTION)
        parts = list(TrainingPart.objects.filter(run=run, run_attempt=attempt))
        parameters = {key: value for part in parts for key, value in part.parameters.items()}
        expected = set(_training_learner_keys(split))
        if any(part.status != TrainingPart.Status.SUCCEEDED for part in parts) or set(parameters) != expected:
            raise RuntimeError(
                f"{len(parameters)} of {len(expected)} learners were fitted by the parts; no version is made from part of the data"
            )
        model = create_model(run.kind, device=training_device(), **run.hyperparameters)
        model.fit_with_learner_parameters(split.train, parameters)
        training_run_store(run=run, lease=lease, recorder=recorder, model=model, split=split, vocabulary=vocabulary)
    path.unlink(missing_ok=True)
    return TrainingRun.objects.get(pk=run_id)


def _training_learner_keys(split: TimeSplit) -> list[str]:
    """The keys of the learners with training rows: what the parts share out, and what they must cover together."""
    return [str(split.train.learner_keys[learner]) for learner in np.unique(split.train.learner)]


def _parts_directory() -> Path:
    return Path(settings.MEDIA_ROOT) / PARTS_FOLDER


def _table_path(run: TrainingRun, attempt: int) -> Path:
    return _parts_directory() / f"{run.uuid.hex}-{attempt}.npz"


def _table_write(path: Path, table: StudyLogTable, vocabulary: Vocabulary) -> None:
    meta = {"learner_keys": list(table.learner_keys), "item_keys": list(table.item_keys), "vocabulary": vocabulary.to_json()}
    arrays_store(path, meta=meta, arrays={name: getattr(table, name) for name in TABLE_ARRAYS})


def _table_read(path: Path) -> tuple[StudyLogTable, Vocabulary]:
    """The table the claiming attempt built, exactly (rows already sorted), and its vocabulary."""
    arrays, meta = arrays_load(path, TABLE_ARRAYS)
    table = StudyLogTable(**arrays, learner_keys=tuple(meta["learner_keys"]), item_keys=tuple(meta["item_keys"]))
    return table, Vocabulary.from_json(meta["vocabulary"])
