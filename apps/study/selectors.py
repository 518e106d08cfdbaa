"""Reads for studying: today's counts and what its limits still allow, the candidates, pending shows, session progress and summary."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.db.models import BooleanField, Count, ExpressionWrapper, Max, Min, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timeuntil

from apps.cards.access import deck_open_condition
from apps.cards.models import Card, Deck
from apps.cards.selectors import deck_subtree
from apps.study.models import IMPORTED_POLICY, CardMark, CardState, ShownCard, StudyLog, StudyPreset, StudySession
from apps.raw_sql import Fragment, compiled, condition
from apps.study.answer_sql import due_rows, extra_new_limit_since, new_card_ids, today_counts
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


def daily_counts(*, learner, decks: QuerySet, now: datetime) -> DailyCounts:
    """New cards first studied today, and other live answers today, on ``decks`` (the studied deck's tree).

    Imported history is not today's study (``answer_sql.today_counts``, one statement:
    every next-card decision needs both).
    """
    return _daily_counts(learner=learner, deck_ids=compiled(decks), now=now)


def _daily_counts(*, learner, deck_ids: Fragment, now: datetime) -> DailyCounts:
    new_cards, reviews = today_counts(learner_id=learner.pk, decks=deck_ids, day_start=start_of_day(now))
    return DailyCounts(new_cards=new_cards, reviews=reviews)


def study_decks(*, learner, deck: Deck) -> QuerySet:
    """The decks whose cards a session of ``deck`` draws from: the deck and those below it that the learner may study."""
    return deck_subtree(deck, open_to=learner).values("pk")


def cards_excluded_from_study(*, learner, now: datetime) -> QuerySet:
    """The ids of cards the learner suspended, or buried until a moment after ``now``: they are never study candidates."""
    return CardMark.objects.filter(learner=learner).filter(Q(suspended=True) | Q(buried_until__gt=now)).values("card_id")


LEARNING_STATES = (CardState.State.LEARNING, CardState.State.RELEARNING)


def learning_today_condition(now: datetime) -> Q:
    """Card states in (re)learning steps begun today and due again today: Anki's intraday learning cards.

    They are shown as soon as their step is over and are not held back by the review
    limit. A card left in its steps on an earlier day is due like a review (Anki's
    interday learning).
    """
    return Q(state__in=LEARNING_STATES, last_review_at__gte=start_of_day(now), due_at__lt=start_of_next_day(now))


REVIEW_AHEAD = timedelta(days=7)


def forgotten_today(*, learner, decks: QuerySet, now: datetime) -> QuerySet:
    """The ids of cards of ``decks`` the learner graded Again today (live answers, not imported): "study more" reviews them."""
    return (
        StudyLog.objects.live()
        .filter(learner=learner, deck__in=decks, answered_at__gte=start_of_day(now), grade=StudyLog.Grade.AGAIN)
        .exclude(policy=IMPORTED_POLICY)
        .values("card_id")
    )


def _offered(*, learner, decks: QuerySet, session: StudySession | None, now: datetime) -> Q:
    """The studied cards a session offers besides today's learning cards: due now, or what its kind of "study more" offers."""
    kind = session.kind if session is not None else StudySession.Kind.REGULAR
    if kind == StudySession.Kind.REVIEW_AHEAD:
        offered = Q(due_at__lte=now + REVIEW_AHEAD)
    elif kind == StudySession.Kind.FORGOTTEN:
        offered = Q(card_id__in=forgotten_today(learner=learner, decks=decks, now=now))
    else:
        offered = Q(due_at__lte=now)
    if kind in (StudySession.Kind.REVIEW_AHEAD, StudySession.Kind.FORGOTTEN):
        offered &= ~Q(card_id__in=StudyLog.objects.live().filter(session=session).values("card_id"))  # each card once
    return offered


def new_per_day_today(*, learner, deck: Deck, preset: StudyPreset, now: datetime) -> int:
    """The deck's new-card limit today: its preset's, raised for the rest of the day by each "extra new cards" started today.

    As Anki's custom study ("increase today's new card limit"), the raise holds for every
    session of that deck until midnight, not only the "study more" session; it is the
    highest ``new_limit`` of the deck's extra-new sessions started today.
    """
    raised = extra_new_limit_since(learner_id=learner.pk, deck_id=deck.pk, since=start_of_day(now))
    return max(preset.new_per_day, raised or 0)


def study_candidates(*, learner, deck: Deck, preset: StudyPreset, now: datetime, session: StudySession | None = None) -> Candidates:
    """The cards the learner may see next: studied cards due now or in learning steps today (soonest first), then unseen cards in deck order.

    A card in (re)learning steps today (``learning_today_condition``) is a candidate all
    day, flagged ``in_learning``: the library's shared rules show it once its step is
    over, before anything else, and ahead of time when nothing else is left, so a
    session never ends on a running step. A parent deck's candidates are those of its
    whole subtree (``study_decks``). The daily limits of the deck's preset, counted over
    that subtree, are applied with the library's shared rule, so every policy respects
    them. A "study more" session (``session.kind``) offers other cards: reviews due in
    the coming week or today's forgotten cards, shown as due now and without limits (as
    Anki's custom study); new cards stop at the deck's new-card limit of today
    (``new_per_day_today``: the preset's, raised by "extra new cards").
    ``predicted_recall`` is NaN until a student model serves predictions.
    """
    decks = study_decks(learner=learner, deck=deck)
    deck_ids, excluded = compiled(decks), compiled(cards_excluded_from_study(learner=learner, now=now))
    due = due_rows(
        learner_id=learner.pk, decks=deck_ids, excluded=excluded, limit=MAX_DUE_CANDIDATES,
        offered=condition(CardState, _offered(learner=learner, decks=decks, session=session, now=now)),
        learning_today=condition(CardState, learning_today_condition(now)),
    )
    kind = session.kind if session is not None else StudySession.Kind.REGULAR
    custom_reviews = kind in (StudySession.Kind.REVIEW_AHEAD, StudySession.Kind.FORGOTTEN)
    new = [] if custom_reviews else new_card_ids(learner_id=learner.pk, decks=deck_ids, excluded=excluded, limit=MAX_NEW_CANDIDATES)
    due_at = [row[1] if row[3] or not custom_reviews else min(row[1], now.timestamp()) for row in due]
    candidates = Candidates(
        card_ids=np.array([row[0] for row in due] + new, dtype=np.int64),
        is_new=np.array([False] * len(due) + [True] * len(new), dtype=bool),
        due_at=np.array(due_at + [np.nan] * len(new), dtype=np.float64),
        last_answered_at=np.array([row[2] for row in due] + [np.nan] * len(new), dtype=np.float64),
        in_learning=np.array([row[3] for row in due] + [False] * len(new), dtype=bool),
    )
    if custom_reviews:
        return candidates
    counts = _daily_counts(learner=learner, deck_ids=deck_ids, now=now)
    return apply_daily_limits(
        candidates,
        new_studied_today=counts.new_cards,
        reviews_today=counts.reviews,
        new_per_day=new_per_day_today(learner=learner, deck=deck, preset=preset, now=now),
        reviews_per_day=preset.reviews_per_day,
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
    them (due now or later). Limits are the deck's preset's, counted over its tree.
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


def study_outlook(*, learner, deck: Deck, preset: StudyPreset, now: datetime) -> StudyOutlook:
    decks = study_decks(learner=learner, deck=deck)
    excluded = cards_excluded_from_study(learner=learner, now=now)
    states = (
        CardState.objects.filter(learner=learner, deck__in=decks, card__deleted_at__isnull=True)
        .exclude(card_id__in=excluded)
        .aggregate(due=Count("id", filter=Q(due_at__lte=now)), earliest=Min("due_at"))
    )
    studied = CardState.objects.filter(learner=learner, deck__in=decks).values("card_id")
    return StudyOutlook(
        now=now,
        new_per_day=new_per_day_today(learner=learner, deck=deck, preset=preset, now=now),
        reviews_per_day=preset.reviews_per_day,
        counts=daily_counts(learner=learner, decks=decks, now=now),
        new_available=Card.objects.filter(deck__in=decks).exclude(id__in=studied).exclude(id__in=excluded).count(),
        reviews_due=states["due"],
        earliest_due_at=states["earliest"],
    )


def pending_showings(*, learner, deck: Deck | int, session: StudySession | None) -> QuerySet:
    """The learner's showings of ``deck`` in this session (or through the API, without one) not answered yet.

    Only of live cards not suspended or buried since they were shown (``cards_excluded_from_study``).
    """
    excluded = cards_excluded_from_study(learner=learner, now=timezone.now())
    return ShownCard.objects.filter(
        learner=learner, deck=deck, session=session, answered=False, card__deleted_at__isnull=True
    ).exclude(card_id__in=excluded)


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
