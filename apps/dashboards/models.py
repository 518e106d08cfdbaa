"""Precomputed predictions and mastery: what the dashboards read instead of asking a model.

``RecallSnapshot`` holds the predicted recall, at the moment it was computed, of every
card a learner has studied in one deck, from the model serving that learner on that
deck (one row per learner and deck: the latest). ``CohortSnapshot`` aggregates its
members' snapshots on the cohort's decks into the rows the instructor dashboard shows:
per learner, per learner and concept, per card, and the review forecast. Only the
latest snapshot of a cohort is kept.
"""

from django.conf import settings
from django.db import models

from apps.accounts.models import Cohort
from apps.cards.models import Card, Deck


class RecallSnapshot(models.Model):
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="+")
    computed_at = models.DateTimeField()
    model_version = models.CharField(max_length=100, help_text="The served model's version, or FSRS_STATE_SOURCE.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["learner", "deck"], name="recall_snapshot_one_per_learner_deck")]

    def __str__(self) -> str:
        return f"recall of {self.learner} on {self.deck} at {self.computed_at:%Y-%m-%d %H:%M}"


class CardRecall(models.Model):
    """One studied card in a recall snapshot: predicted recall then, and its FSRS due date and lapses."""

    snapshot = models.ForeignKey(RecallSnapshot, on_delete=models.CASCADE, related_name="cards")
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="+")
    predicted_recall = models.FloatField()
    due_at = models.DateTimeField()
    lapses = models.PositiveIntegerField()
    reps = models.PositiveIntegerField()


class CohortSnapshot(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="snapshots")
    computed_at = models.DateTimeField()
    model_versions = models.JSONField(default=list, help_text="The versions whose predictions it aggregates.")
    review_forecast = models.JSONField(default=list, help_text="Reviews due per day, today (with the overdue) first.")

    class Meta:
        get_latest_by = "computed_at"

    def __str__(self) -> str:
        return f"{self.cohort} at {self.computed_at:%Y-%m-%d %H:%M}"


class LearnerMastery(models.Model):
    snapshot = models.ForeignKey(CohortSnapshot, on_delete=models.CASCADE, related_name="learners")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    cards_studied = models.PositiveIntegerField()
    mean_recall = models.FloatField(null=True)
    cards_at_risk = models.PositiveIntegerField()
    answers = models.PositiveIntegerField()
    time_spent_ms = models.PositiveBigIntegerField()
    last_seen_at = models.DateTimeField(null=True)


class ConceptMastery(models.Model):
    """Mean predicted recall of a learner's studied cards that carry a tag."""

    snapshot = models.ForeignKey(CohortSnapshot, on_delete=models.CASCADE, related_name="concepts")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    concept = models.CharField(max_length=100)
    mean_recall = models.FloatField()
    cards_studied = models.PositiveIntegerField()


class ItemDifficulty(models.Model):
    """A card across the cohort's learners who studied it: mean predicted recall and lapses."""

    snapshot = models.ForeignKey(CohortSnapshot, on_delete=models.CASCADE, related_name="items")
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="+")
    learners = models.PositiveIntegerField()
    mean_recall = models.FloatField()
    lapses = models.PositiveIntegerField()
