"""Study sessions, what was shown, the append-only study log and the derived card state.

``StudyLog`` rows are facts and are never updated or deleted: an undo is a separate
``StudyLogUndo`` row. ``CardState`` is derived from a learner's live (not undone)
logs of a card; it is updated in the same transaction as each answer so choosing the
next card needs no replay, and rebuilt from the logs after an undo.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from apps.cards.models import Card, Deck
from apps.study.chosen_by import IMPORTED_WORDS, chosen_by_words

FALLBACK_REASON_MAX_LENGTH = 500
IMPORTED_POLICY = "imported"  # the policy of study logs imported from another app's history
PRESET_NAME_MAX_LENGTH = 100
STEPS_MAX_LENGTH = 100
DEFAULT_PRESET_NAME = "Default"


class StudySession(models.Model):
    """One sitting: a learner studies up to ``planned_cards`` cards of one deck.

    ``kind`` is blank for a regular session; the others are Anki's "study more" once
    today's cards are done (``apps.study.study_more``): extra new cards (``new_limit``
    new cards a day for the deck, for the rest of that day), reviews ahead of their due
    date, today's forgotten cards.
    """

    class Kind(models.TextChoices):
        REGULAR = "", "Regular"
        EXTRA_NEW = "extra_new", "Extra new cards today"
        REVIEW_AHEAD = "review_ahead", "Review ahead"
        FORGOTTEN = "forgotten", "Review today's forgotten cards"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.REGULAR, blank=True)
    new_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Extra new cards: the deck's new-card limit for the rest of the day it started.")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="study_sessions")
    deck = models.ForeignKey(Deck, on_delete=models.PROTECT, related_name="study_sessions")
    planned_cards = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_activity_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["ended_at", "last_activity_at"], name="session_open_idle_idx")]

    def __str__(self) -> str:
        return f"{self.learner} studying {self.deck} from {self.started_at:%Y-%m-%d %H:%M}"


class ShownCard(models.Model):
    """A card put in front of a learner, with the decision that chose it.

    The answer (a StudyLog) copies policy, model version and predicted recall from
    here, so every log records what was decided at show time, not at answer time.
    A shown card is pending until a StudyLog points at it; ``answered`` says so on
    the row itself (set in the transaction that records the log), so that finding a
    learner's pending showing reads a small partial index instead of anti-joining
    every showing they ever had with the study logs.

    ``fallback_reason`` is set when the served model (``model_version``) failed to
    score the candidates and the card was chosen by FSRS due order instead; it says
    why (the error), so the admin and the online watch can count each version's
    fallbacks.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="+")
    deck = models.ForeignKey(Deck, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(StudySession, null=True, blank=True, on_delete=models.PROTECT, related_name="shown_cards")
    shown_at = models.DateTimeField()
    policy = models.CharField(max_length=40)
    model_version = models.CharField(max_length=100, null=True, blank=True)
    predicted_recall = models.FloatField(null=True, blank=True)
    selection_probability = models.FloatField(null=True, blank=True)
    answered = models.BooleanField(default=False, help_text="A StudyLog answers this showing.")
    fallback_reason = models.CharField(
        max_length=FALLBACK_REASON_MAX_LENGTH, blank=True,
        help_text="Why the served model's scoring failed and FSRS due order chose this card (blank: it did not fail).",
    )
    target_retention = models.FloatField(null=True, blank=True, help_text="The learner's target retention when the card was chosen.")

    class Meta:
        indexes = [
            models.Index(fields=["learner", "deck", "shown_at"], name="shown_learner_deck_idx"),
            models.Index(fields=["model_version", "shown_at"], name="shown_version_idx"),
            models.Index(fields=["learner", "deck"], condition=Q(answered=False), name="shown_pending_idx"),
        ]

    @property
    def chosen_by(self) -> str:
        """What chose this card, in words (``chosen_by.chosen_by_words``)."""
        return chosen_by_words(
            policy=self.policy, model_version=self.model_version, fallback_reason=self.fallback_reason,
            target_retention=self.target_retention,
        )


class StudyLogQuerySet(models.QuerySet):
    """Study logs are append-only: bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise TypeError("study logs are append-only and cannot be updated")

    def delete(self):
        raise TypeError("study logs are append-only and cannot be deleted")

    def live(self):
        """Logs that have not been undone."""
        return self.filter(undo__isnull=True)

    def erase(self) -> int:
        """Remove these logs and their undo marks for good; how many logs.

        The one exception to append-only: erasing a deleted account (``apps.privacy``).
        History is never edited this way.
        """
        StudyLogUndo.objects.filter(log__in=self.values("pk")).delete()
        return models.QuerySet.delete(self)[0]


class StudyLog(models.Model):
    """One answer to one card, never updated.

    ``model_version`` is a free-text label of the student-model version whose
    prediction chose the card (null for policies without a model); ``predicted_recall``
    is that model's P(recall) at show time, null until models exist;
    ``selection_probability`` is the probability with which the policy chose the card
    (for off-policy evaluation). ``shown`` is null only for imported histories.
    """

    class Grade(models.IntegerChoices):
        AGAIN = 1, "Again"
        HARD = 2, "Hard"
        GOOD = 3, "Good"
        EASY = 4, "Easy"

    log_uuid = models.UUIDField(unique=True, help_text="Generated by the client: a retried submission is stored once.")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="study_logs")
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="study_logs")
    deck = models.ForeignKey(Deck, on_delete=models.PROTECT, related_name="study_logs")
    session = models.ForeignKey(StudySession, null=True, blank=True, on_delete=models.PROTECT, related_name="study_logs")
    shown = models.OneToOneField(ShownCard, null=True, blank=True, on_delete=models.PROTECT, related_name="study_log")
    shown_at = models.DateTimeField()
    answered_at = models.DateTimeField()
    response_ms = models.PositiveIntegerField()
    outcome = models.BooleanField(help_text="Recalled: every grade except Again.")
    grade = models.PositiveSmallIntegerField(choices=Grade.choices)
    policy = models.CharField(max_length=40)
    model_version = models.CharField(max_length=100, null=True, blank=True)
    predicted_recall = models.FloatField(null=True, blank=True)
    selection_probability = models.FloatField(null=True, blank=True)
    state_before = models.JSONField(
        null=True, blank=True,
        help_text="The learner's card state before this answer ({}: not studied before; null: not kept, e.g. imported history); undo restores it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StudyLogQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=4), name="study_log_grade_1_to_4"),
            models.CheckConstraint(
                condition=Q(outcome=False, grade=1) | Q(outcome=True, grade__gte=2), name="study_log_outcome_matches_grade"
            ),
        ]
        indexes = [
            models.Index(fields=["learner", "answered_at"], name="log_learner_answered_idx"),
            models.Index(fields=["learner", "card", "answered_at"], name="log_learner_card_idx"),
            models.Index(fields=["session", "answered_at"], name="log_session_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.learner} graded {self.get_grade_display()} on card {self.card_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise TypeError("study logs are append-only and cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("study logs are append-only and cannot be deleted")

    @property
    def chosen_by(self) -> str:
        """What chose the card, in the words of the showing it answers (imported logs have none)."""
        return self.shown.chosen_by if self.shown_id is not None else IMPORTED_WORDS


class StudyLogUndo(models.Model):
    """Marks a study log as undone; the log itself stays."""

    log = models.OneToOneField(StudyLog, on_delete=models.PROTECT, related_name="undo")
    undone_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"undo of log {self.log_id}"


class CardState(models.Model):
    """A learner's FSRS-6 memory state of one card, derived from their live logs."""

    class State(models.IntegerChoices):
        LEARNING = 1, "Learning"
        REVIEW = 2, "Review"
        RELEARNING = 3, "Relearning"

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="card_states")
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="states")
    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="+")
    state = models.PositiveSmallIntegerField(choices=State.choices)
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    due_at = models.DateTimeField()
    last_review_at = models.DateTimeField()
    first_studied_at = models.DateTimeField()
    reps = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["learner", "card"], name="card_state_one_per_learner_card")]
        indexes = [
            models.Index(fields=["learner", "deck", "due_at"], name="state_learner_deck_due_idx"),
            models.Index(fields=["learner", "first_studied_at"], name="state_learner_first_idx"),
            # Every column the browser's scheduling words (is:due, is:review, prop:ivl, prop:reps ...) read, so that
            # SQLite answers ``card id IN (the learner's states that ...)`` from the index alone instead of
            # fetching each of the learner's states (4-5 times faster at 66,000 states).
            models.Index(
                fields=["learner", "card", "state", "due_at", "last_review_at", "reps", "lapses"], name="state_learner_browse_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner} / card {self.card_id}: due {self.due_at:%Y-%m-%d %H:%M}"


class CardMark(models.Model):
    """A learner's own marks on a card, as Anki's: suspended, buried until their next day, a coloured flag.

    One row per learner and card, made the first time the learner marks it; a card
    without a row has no mark. Marks belong to the learner, not the card: studying a
    public deck, each learner suspends, buries and flags for themselves. Suspended
    cards and cards buried until a moment still ahead never reach the study candidates
    (``apps.study.selectors.cards_excluded_from_study``).
    """

    class Flag(models.IntegerChoices):
        NONE = 0, "No flag"
        RED = 1, "Red"
        ORANGE = 2, "Orange"
        GREEN = 3, "Green"
        BLUE = 4, "Blue"
        PINK = 5, "Pink"
        TURQUOISE = 6, "Turquoise"
        PURPLE = 7, "Purple"

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="card_marks")
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="marks")
    suspended = models.BooleanField(default=False, help_text="Left out of study until unsuspended.")
    buried_until = models.DateTimeField(
        null=True, blank=True, help_text="Left out of study until this moment (the start of the learner's next day)."
    )
    flag = models.PositiveSmallIntegerField(choices=Flag.choices, default=Flag.NONE)
    buried_by = models.ForeignKey(
        "StudyLog", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The answer that buried this card as a sibling (empty: buried by hand, or not buried); undoing it unburies.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "card"], name="card_mark_one_per_learner_card"),
            models.CheckConstraint(condition=Q(flag__gte=0, flag__lte=7), name="card_mark_flag_0_to_7"),
        ]

    def __str__(self) -> str:
        return f"{self.learner}'s marks on card {self.card_id}"


class StudyPreset(models.Model):
    """Deck options that decks share, as Anki's presets: daily limits, learning steps, target retention.

    A deck uses the preset its owner chose for it (``DeckPreset``), else its owner's
    ``Default`` preset. Limits are counted over the deck studied and the decks below it;
    steps and target retention schedule the cards of the decks that use the preset.
    Steps are written as Anki writes them: ``1m 10m`` (units s, m, h, d).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="study_presets")
    name = models.CharField(max_length=PRESET_NAME_MAX_LENGTH)
    new_per_day = models.PositiveIntegerField(default=20, validators=[MaxValueValidator(9999)], verbose_name="New cards a day")
    reviews_per_day = models.PositiveIntegerField(default=200, validators=[MaxValueValidator(99999)], verbose_name="Reviews a day")
    learning_steps = models.CharField(max_length=STEPS_MAX_LENGTH, default="1m 10m", help_text="For example 1m 10m (units s, m, h, d).")
    relearning_steps = models.CharField(max_length=STEPS_MAX_LENGTH, default="10m", help_text="Steps of a forgotten review, for example 10m.")
    target_retention = models.FloatField(
        default=0.9, validators=[MinValueValidator(0.70), MaxValueValidator(0.99)],
        help_text="Probability of recall the scheduler aims for when a review falls due (0.70 to 0.99).",
    )

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="study_preset_unique_name_per_owner")]

    def __str__(self) -> str:
        return self.name


class DeckPreset(models.Model):
    """The preset its owner chose for a deck (a deck without a row uses its owner's Default preset)."""

    deck = models.OneToOneField(Deck, on_delete=models.CASCADE, related_name="study_preset_choice")
    preset = models.ForeignKey(StudyPreset, on_delete=models.CASCADE, related_name="deck_choices")

    def __str__(self) -> str:
        return f"{self.deck} uses {self.preset}"
