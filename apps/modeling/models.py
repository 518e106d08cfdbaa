"""Training runs, the model versions they produce, promotions, and cached card embeddings.

A ``TrainingRun`` is a row that a worker claims atomically (queued -> running), so a
duplicate or redelivered task message never trains twice. Each claim is an attempt; the
latest attempt holds the run's lease, renewed by its heartbeat, and only it may finish
the run. A successful run produces
exactly one ``ModelVersion`` (one-to-one), which holds the artifact, its checksum, the
data window, the held-out metrics and reliability bins. At most one version per scope
is active; every change of the active version is recorded as a ``Promotion``.
"""

import uuid

import numpy as np
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import Cohort
from apps.cards.models import Deck
from apps.leases import LeasedJob

MODEL_KINDS = ("karl", "fsrs6", "fsrs7", "hlr", "dkt", "cakt")


class CardEmbedding(models.Model):
    """The text embedding of one card text (by content hash) under one encoder: unchanged text is never re-encoded."""

    content_hash = models.CharField(max_length=64)
    encoder = models.CharField(max_length=200)
    dimension = models.PositiveIntegerField()
    vector = models.BinaryField(help_text="float32 values, L2-normalised.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["content_hash", "encoder"], name="embedding_one_per_text_encoder")]

    def __str__(self) -> str:
        return f"{self.encoder} embedding of {self.content_hash[:12]}"

    def as_array(self) -> np.ndarray:
        return np.frombuffer(bytes(self.vector), dtype=np.float32)


class TrainingRun(LeasedJob):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        INSUFFICIENT_DATA = "insufficient_data", "Too little data"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        COMMAND = "command", "manage.py train_model"
        ADMIN = "admin", "Started in the admin"
        NIGHTLY = "nightly", "Nightly schedule"
        NEW_LOGS = "new_logs", "Enough new study logs"

    FINISHED = (Status.SUCCEEDED, Status.INSUFFICIENT_DATA, Status.FAILED)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=[(kind, kind) for kind in MODEL_KINDS])
    scope_key = models.CharField(max_length=40, default="all", help_text="'all', 'deck:<id>' or 'cohort:<id>'.")
    deck = models.ForeignKey(Deck, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cohort = models.ForeignKey(Cohort, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    hyperparameters = models.JSONField(default=dict, blank=True)
    trigger = models.CharField(max_length=20, choices=Trigger.choices, default=Trigger.ADMIN)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(default=timezone.now, help_text="when it last became queued (created or retried)")
    queue = models.CharField(max_length=200, blank=True, help_text="the Celery queue it is sent to (blank: the default)")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress = models.JSONField(default=dict, blank=True, help_text="latest progress report (epoch, loss, ...)")
    message = models.TextField(blank=True, help_text="why the run failed or ended without a version")
    n_logs = models.PositiveIntegerField(null=True, blank=True)
    peak_memory_mb = models.FloatField(null=True, blank=True)
    parts_pending = models.PositiveIntegerField(
        null=True, blank=True, help_text="parts of a fanned-out run still to succeed (null: not fanned out)"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "heartbeat_at"], name="run_status_heartbeat_idx"),
            models.Index(fields=["scope_key", "kind", "created_at"], name="run_scope_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.scope_key} ({self.get_status_display()}, {self.created_at:%Y-%m-%d %H:%M})"

    @property
    def duration(self):
        if self.started_at is None:
            return None
        return (self.finished_at or self.heartbeat_at or self.started_at) - self.started_at


class TrainingPart(models.Model):
    """A group of learners whose parameters one worker fits for one attempt of a fanned-out run (apps.modeling.fanout)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    run = models.ForeignKey(TrainingRun, on_delete=models.CASCADE, related_name="parts")
    run_attempt = models.PositiveSmallIntegerField(help_text="the run's attempt that made this part")
    index = models.PositiveIntegerField()
    learner_keys = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    done = models.PositiveIntegerField(default=0, help_text="learners fitted so far")
    parameters = models.JSONField(default=dict, blank=True, help_text="fitted parameters by learner key")
    message = models.TextField(blank=True, help_text="why the last try failed")

    class Meta:
        ordering = ["run", "run_attempt", "index"]
        constraints = [models.UniqueConstraint(fields=["run", "run_attempt", "index"], name="one_part_per_index")]

    def __str__(self) -> str:
        return f"part {self.index} of run {self.run_id} (attempt {self.run_attempt}, {self.status})"


class ModelVersion(models.Model):
    """A trained model: its artifact and how well it did on the held-out (most recent) logs."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    label = models.CharField(max_length=100, unique=True, help_text="recorded on every study log it predicted")
    run = models.OneToOneField(TrainingRun, on_delete=models.PROTECT, related_name="version")
    kind = models.CharField(max_length=20)
    scope_key = models.CharField(max_length=40)
    deck = models.ForeignKey(Deck, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cohort = models.ForeignKey(Cohort, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    artifact = models.FileField(upload_to="models/")
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the artifact file")
    library_version = models.CharField(max_length=40)
    hyperparameters = models.JSONField(default=dict)
    vocabulary = models.JSONField(default=dict, help_text="card ids and concepts in the model's dense id order")
    data_window = models.JSONField(default=dict, help_text="first/last log, the train/hold-out cut, row counts")
    auc = models.FloatField(null=True, blank=True)
    log_loss = models.FloatField()
    ece = models.FloatField()
    brier = models.FloatField()
    n = models.PositiveIntegerField(help_text="held-out logs scored")
    reliability = models.JSONField(default=list, help_text="reliability-diagram bins on the held-out logs")
    compared_with = models.JSONField(
        null=True, blank=True, help_text="the version active at training time, scored on the same held-out logs"
    )
    is_active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["scope_key"], condition=Q(is_active=True), name="one_active_version_per_scope")
        ]

    def __str__(self) -> str:
        return self.label


class Promotion(models.Model):
    """A change of a scope's active version: automatic after training, or by staff (promote / roll back)."""

    class Action(models.TextChoices):
        AUTOMATIC = "automatic", "Promoted after training"
        PROMOTE = "promote", "Promoted by staff"
        ROLLBACK = "rollback", "Rolled back by staff"
        WATCH_ROLLBACK = "watch_rollback", "Rolled back by the online watch"

    scope_key = models.CharField(max_length=40)
    version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="promotions")
    previous = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(blank=True)
    figures = models.JSONField(null=True, blank=True, help_text="the online and offline figures behind a rollback by the watch")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.version} on {self.scope_key}"


class OnlineCheck(models.Model):
    """The online watch's latest verdict on a served version (``apps.modeling.watch``), one row per version."""

    class Verdict(models.TextChoices):
        TOO_FEW = "too_few", "Too few answers to judge"
        HEALTHY = "healthy", "As good online as offline"
        DEGRADED = "degraded", "Clearly worse online"

    version = models.OneToOneField(ModelVersion, on_delete=models.CASCADE, related_name="online_check")
    checked_at = models.DateTimeField()
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    reason = models.TextField()
    figures = models.JSONField(help_text="online figures since promotion beside the offline ones at training")
    rollback = models.ForeignKey(Promotion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"{self.version}: {self.get_verdict_display()} at {self.checked_at:%Y-%m-%d %H:%M}"
