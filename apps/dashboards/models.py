"""Precomputed mastery: what the dashboards read instead of asking a model.

A card's mastery is its predicted recall at a stated horizon if it is not studied
before then (``apps.dashboards.mastery``). ``RecallSnapshot`` holds, for one learner
and deck, the mastery of every card the learner has studied there at the default
horizon (7 days after it was computed): their own progress page reads it.
``CohortSnapshot`` holds its members' mastery of the cohort's decks at the cohort's
horizon (its exam date, when one is set and still ahead) and the rows the instructor
dashboard shows: per learner, per learner and card, per learner and concept, per card,
and the review forecast. Only the latest snapshot of each is kept.
``SnapshotComputation`` is an instructor's "Compute now", run by a worker.
"""

from django.conf import settings
from django.db import models

from apps.accounts.models import Cohort
from apps.cards.models import Card, Deck
from apps.leases import LeasedJob


class MasteryHorizon(models.Model):
    """When the snapshot was computed, and the moment its mastery is predicted for."""

    computed_at = models.DateTimeField()
    horizon_at = models.DateTimeField(help_text="Mastery is predicted recall at this moment if nothing is studied before it.")
    exam_date = models.DateField(null=True, blank=True, help_text="The cohort's exam date the horizon was set by, if any.")

    class Meta:
        abstract = True


class StudiedCard(models.Model):
    """A studied card in a snapshot: its mastery, and its FSRS due date, lapses and reviews then."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="+")
    mastery = models.FloatField()
    due_at = models.DateTimeField()
    lapses = models.PositiveIntegerField()
    reps = models.PositiveIntegerField()

    class Meta:
        abstract = True


class RecallSnapshot(MasteryHorizon):
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="+")
    model_version = models.CharField(max_length=100, help_text="The served model's version, or FSRS_STATE_SOURCE.")
    reads_time = models.BooleanField(default=True, help_text="False: the model reads no times, so its mastery is its next-answer prediction.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["learner", "deck"], name="recall_snapshot_one_per_learner_deck")]

    def __str__(self) -> str:
        return f"mastery of {self.learner} on {self.deck} at {self.computed_at:%Y-%m-%d %H:%M}"


class CardRecall(StudiedCard):
    snapshot = models.ForeignKey(RecallSnapshot, on_delete=models.CASCADE, related_name="cards")


class CohortSnapshot(MasteryHorizon):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="snapshots")
    target_recall = models.FloatField(help_text="The cohort's target then: below it a card is at risk.")
    model_versions = models.JSONField(default=list, help_text="The versions whose predictions it aggregates.")
    versions_without_time = models.JSONField(default=list, help_text="Those of them that read no times (next-answer predictions).")
    review_forecast = models.JSONField(default=list, help_text="Reviews due per day, today (with the overdue) first.")

    class Meta:
        get_latest_by = "computed_at"

    def __str__(self) -> str:
        return f"{self.cohort} at {self.computed_at:%Y-%m-%d %H:%M}"


class CohortCardMastery(StudiedCard):
    """One member's studied card of the cohort's decks, at the cohort's horizon."""

    snapshot = models.ForeignKey(CohortSnapshot, on_delete=models.CASCADE, related_name="cards")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")


class LearnerMastery(models.Model):
    snapshot = models.ForeignKey(CohortSnapshot, on_delete=models.CASCADE, related_name="learners")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    cards_studied = models.PositiveIntegerField()
    mean_mastery = models.FloatField(null=True)
    cards_at_risk = models.PositiveIntegerField()
    answers = models.PositiveIntegerField()
    time_spent_ms = models.PositiveBigIntegerField()
    last_seen_at = models.DateTimeField(null=True)


class ConceptMastery(models.Model):
    """Mean mastery of a learner's studied cards that carry a tag."""

    snapshot = models.ForeignKey(CohortSnapshot, on_delete=models.CASCADE, related_name="concepts")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    concept = models.CharField(max_length=100)
    mean_mastery = models.FloatField()
    cards_studied = models.PositiveIntegerField()


class ItemDifficulty(models.Model):
    """A card across the cohort's learners who studied it: mean mastery, and what they answered (``failures``: Again)."""

    snapshot = models.ForeignKey(CohortSnapshot, on_delete=models.CASCADE, related_name="items")
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="+")
    learners = models.PositiveIntegerField()
    mean_mastery = models.FloatField()
    lapses = models.PositiveIntegerField()
    answers = models.PositiveIntegerField()
    failures = models.PositiveIntegerField()

    @property
    def failure_rate(self) -> float | None:
        return self.failures / self.answers if self.answers else None


class SnapshotComputation(LeasedJob):
    """A "Compute now" of a cohort's snapshot, claimed and run by a worker (``tasks.compute_cohort_snapshot``)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Computing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField()
    queued_at = models.DateTimeField(help_text="When it last became queued (requested, or retried after its worker died).")
    finished_at = models.DateTimeField(null=True, blank=True)
    learners_done = models.PositiveIntegerField(default=0)
    learners_total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        get_latest_by = "created_at"
        indexes = [models.Index(fields=["cohort", "-created_at"], name="snapshot_computation_latest")]

    def __str__(self) -> str:
        return f"compute {self.cohort} ({self.status})"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def progress_percent(self) -> int:
        return round(100 * self.learners_done / self.learners_total) if self.learners_total else 0
