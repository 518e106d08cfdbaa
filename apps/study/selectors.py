"""Reads for studying: today's counts and what its limits still allow, the candidates, pending shows, session progress and summary."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.contrib.auth import get_user_model
from django.db.models import BooleanField, Count, ExpressionWrapper, Func, Max, Min, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timeuntil

from apps.accounts.models import LearnerSettings
from apps.cards.access import deck_open_condition
from apps.cards.models import Card, Deck
from apps.cards.selectors import deck_subtree
from apps.study.models import CardState, ShownCard, StudyLog, StudySession
from knowledge_tracing.policies import apply_daily_limits
from knowledge_tracing.policies.base import Candidates

MAX_DUE_CANDIDATES = 500
MAX_NEW_CANDIDATES = 100


def start_of_day(now: datetime) -> datetime:
    """Midnight of ``now``'s day in the site's time zone: daily limits reset then."""
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class DailyCounts:
    new_cards: int
    reviews: int


def _row_count(queryset: QuerySet) -> Subquery:
    """``queryset``'s number of rows as a scalar subquery (``COUNT`` without grouping)."""
    return Subquery(queryset.order_by().values(rows=Func("pk", function="COUNT")))


def daily_counts(*, learner, now: datetime) -> DailyCounts:
    """New cards first studied today, and other live answers today, across all decks.

    Both counts come from one query (two scalar subqueries on the learner's row): every
    next-card decision needs them.
    """
    day_start = start_of_day(now)
    counts = (
        get_user_model()
        .objects.filter(pk=learner.pk)
        .values(
            answers=_row_count(StudyLog.objects.live().filter(learner=learner, answered_at__gte=day_start)),
            new_cards=_row_count(CardState.objects.filter(learner=learner, first_studied_at__gte=day_start)),
        )
        .get()
    )
    return DailyCounts(new_cards=counts["new_cards"], reviews=counts["answers"] - counts["new_cards"])


def _epoch(moment: datetime | None) -> float:
    return np.nan if moment is None else moment.timestamp()


def study_decks(*, learner, deck: Deck) -> QuerySet:
    """The decks whose cards a session of ``deck`` draws from: the deck and those below it that the learner may study."""
    return deck_subtree(deck, open_to=learner).values("pk")


def study_candidates(*, learner, deck: Deck, learner_settings: LearnerSettings, now: datetime) -> Candidates:
    """The cards the learner may see next: reviews due now (earliest first), then unseen cards in deck order.

    A parent deck's candidates are those of its whole subtree (``study_decks``). Daily
    limits are applied with the library's shared rule, so every policy respects them.
    ``predicted_recall`` is NaN until a student model serves predictions.
    """
    decks = study_decks(learner=learner, deck=deck)
    due = list(
        CardState.objects.filter(learner=learner, deck__in=decks, due_at__lte=now, card__deleted_at__isnull=True)
        .order_by("due_at")
        .values_list("card_id", "due_at", "last_review_at")[:MAX_DUE_CANDIDATES]
    )
    studied = CardState.objects.filter(learner=learner, deck__in=decks).values("card_id")
    new = list(
        Card.objects.filter(deck__in=decks).exclude(id__in=studied).order_by("id").values_list("id", flat=True)[:MAX_NEW_CANDIDATES]
    )
    count = len(due) + len(new)
    candidates = Candidates(
        card_ids=np.array([row[0] for row in due] + new, dtype=np.int64),
        is_new=np.array([False] * len(due) + [True] * len(new), dtype=bool),
        due_at=np.array([row[1].timestamp() for row in due] + [np.nan] * len(new), dtype=np.float64),
        predicted_recall=np.full(count, np.nan),
        last_answered_at=np.array([_epoch(row[2]) for row in due] + [np.nan] * len(new), dtype=np.float64),
    )
    counts = daily_counts(learner=learner, now=now)
    return apply_daily_limits(
        candidates,
        new_studied_today=counts.new_cards,
        reviews_today=counts.reviews,
        new_per_day=learner_settings.new_cards_per_day,
        reviews_per_day=learner_settings.reviews_per_day,
    )


def start_of_next_day(now: datetime) -> datetime:
    """When today's limits reset: the next midnight in the site's time zone."""
    return timezone.make_aware(datetime.combine(timezone.localdate(now) + timedelta(days=1), datetime.min.time()))


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class StudyOutlook:
    """What today's limits still allow a learner on a deck, and why and until when nothing is left.

    ``new_available`` counts the deck's cards the learner never studied, ``reviews_due``
    their studied cards due now, ``earliest_due_at`` the soonest due date of any of
    them (due now or later). Limits are the learner's own, counted over all decks.
    """

    now: datetime
    new_per_day: int
    reviews_per_day: int
    counts: DailyCounts
    new_available: int
    reviews_due: int
    earliest_due_at: datetime | None

    @property
    def new_left_today(self) -> int:
        return max(0, self.new_per_day - self.counts.new_cards)

    @property
    def reviews_left_today(self) -> int:
        return max(0, self.reviews_per_day - self.counts.reviews)

    @property
    def cards_allowed_now(self) -> int:
        """Cards that can be shown now: due reviews and new cards, each up to what today's limit still allows."""
        return min(self.new_available, self.new_left_today) + min(self.reviews_due, self.reviews_left_today)

    @property
    def next_card_at(self) -> datetime | None:
        """When a card can next be shown (now when one can); None when the deck has no card at all."""
        tomorrow = start_of_next_day(self.now)
        moments = []
        if self.new_available:
            moments.append(self.now if self.new_left_today else tomorrow)
        if self.earliest_due_at is not None:
            moments.append(max(self.earliest_due_at, self.now if self.reviews_left_today else tomorrow))
        return min(moments, default=None)

    @property
    def why_nothing(self) -> str:
        """Why no card can be shown now, and when the next one is due, in words ("" while cards can be shown)."""
        if self.cards_allowed_now:
            return ""
        causes = []
        if self.new_available and not self.new_left_today:
            causes.append(f"today's limit of {_counted(self.new_per_day, 'new card')} is reached")
        if self.reviews_due and not self.reviews_left_today:
            causes.append(f"today's limit of {_counted(self.reviews_per_day, 'review')} is reached")
        if not self.reviews_due:
            causes.append("no review is due")
        if not self.new_available:
            causes.append("every card of the deck has been studied")
        next_card_at = self.next_card_at
        if next_card_at is None:
            return "Nothing to study: the deck has no cards."
        when = date_format(timezone.localtime(next_card_at), "DATETIME_FORMAT")
        return f"Nothing to study now: {' and '.join(causes)}. The next card is due {when} (in {timeuntil(next_card_at, self.now)})."


def study_outlook(*, learner, deck: Deck, learner_settings: LearnerSettings, now: datetime) -> StudyOutlook:
    decks = study_decks(learner=learner, deck=deck)
    states = CardState.objects.filter(learner=learner, deck__in=decks, card__deleted_at__isnull=True).aggregate(
        studied=Count("id"), due=Count("id", filter=Q(due_at__lte=now)), earliest=Min("due_at")
    )
    return StudyOutlook(
        now=now,
        new_per_day=learner_settings.new_cards_per_day,
        reviews_per_day=learner_settings.reviews_per_day,
        counts=daily_counts(learner=learner, now=now),
        new_available=Card.objects.filter(deck__in=decks).count() - states["studied"],
        reviews_due=states["due"],
        earliest_due_at=states["earliest"],
    )


def pending_showings(*, learner, deck: Deck | int, session: StudySession | None) -> QuerySet:
    """The learner's showings of live cards of ``deck`` in this session (or through the API, without one) not answered yet."""
    return ShownCard.objects.filter(learner=learner, deck=deck, session=session, answered=False, card__deleted_at__isnull=True)


def pending_shown_card(*, learner, deck: Deck, session: StudySession | None) -> ShownCard | None:
    """The latest card shown in this session (or through the API, without one) and not answered yet."""
    return pending_showings(learner=learner, deck=deck, session=session).select_related("card").order_by("-shown_at", "-id").first()


def session_answered_count(session: StudySession) -> int:
    """Live (not undone) answers in the session."""
    return StudyLog.objects.live().filter(session=session).count()


def session_cards_reachable(session: StudySession, *, answered: int, outlook: StudyOutlook) -> int:
    """The session's card count as the learner can reach it today: its answers plus what the limits still allow, up to plan."""
    return answered + min(max(session.planned_cards - answered, 0), outlook.cards_allowed_now)


@dataclass(frozen=True)
class SessionSummary:
    cards_studied: int
    answers: int
    recalled: int
    undone: int
    duration: timedelta

    @property
    def recall_rate(self) -> float | None:
        return self.recalled / self.answers if self.answers else None

    @property
    def duration_text(self) -> str:
        """``42 s``, ``3 min 05 s`` or ``1 h 02 min``: readable on a phone."""
        seconds = int(self.duration.total_seconds())
        if seconds < 60:
            return f"{seconds} s"
        if seconds < 3600:
            return f"{seconds // 60} min {seconds % 60:02d} s"
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def session_summary(session: StudySession) -> SessionSummary:
    """What the learner did in the session: distinct cards, answers, recall rate, time spent."""
    totals = StudyLog.objects.filter(session=session).aggregate(
        answers=Count("id", filter=Q(undo__isnull=True)),
        recalled=Count("id", filter=Q(undo__isnull=True, outcome=True)),
        undone=Count("id", filter=Q(undo__isnull=False)),
        cards=Count("card", filter=Q(undo__isnull=True), distinct=True),
        first_shown=Min("shown_at"),
        last_answered=Max("answered_at"),
    )
    end = session.ended_at or totals["last_answered"] or session.started_at
    return SessionSummary(
        cards_studied=totals["cards"],
        answers=totals["answers"],
        recalled=totals["recalled"],
        undone=totals["undone"],
        duration=max(end - session.started_at, timedelta(0)),
    )


def learner_history(*, learner):
    """The learner's own logs, newest first, each with ``card_open``: whether they may still see its card.

    A deck made private (or deleted) after they studied it keeps their logs, not its text.
    """
    still_open = deck_open_condition(learner, through="deck__") & Q(deck__deleted_at__isnull=True)
    return learner_logs(learner=learner).annotate(card_open=ExpressionWrapper(still_open, output_field=BooleanField()))


def learner_logs(*, learner, deck: Deck | None = None):
    """The learner's own study logs, newest first; never anyone else's."""
    logs = StudyLog.objects.filter(learner=learner).select_related("card", "undo", "shown").order_by("-answered_at", "-id")
    return logs.filter(deck=deck) if deck is not None else logs
