"""Spread a learner's due dates with the library's workload tools (``knowledge_tracing.policies.load_balance``).

The learner's settings say whether the load balancer (with sibling dispersal) is on
and which weekdays are easy days (``EASY_DAY_SHARE`` of a normal day's reviews); the
reviews due per day and the days the card's siblings (cards of its note) are due
come from the learner's card states, counted in the site's time zone. The draw is
seeded by the card, how often it was answered and the grade, so the interval over a
grade button is the one the answer stores.
"""

from datetime import date, datetime, timedelta

from django.utils import timezone

from apps.accounts.models import LearnerSettings
from apps.study.answer_sql import due_days_around
from knowledge_tracing.policies.load_balance import SHORTEST_FUZZED_INTERVAL_DAYS, WorkloadSettings, balanced_due_day, fuzz_window_days

EASY_DAY_SHARE = 0.5
EPOCH = date(1970, 1, 1)


def workload_settings(learner_settings: LearnerSettings) -> WorkloadSettings:
    shares = tuple(EASY_DAY_SHARE if str(day) in learner_settings.easy_days else 1.0 for day in range(7))
    on = learner_settings.balance_workload
    return WorkloadSettings(balance=on, disperse_siblings=on, weekday_load=shares)


def day_number(moment: datetime) -> int:
    """Whole days since 1970-01-01 of the moment's date in the site's time zone."""
    return (timezone.localdate(moment) - EPOCH).days


def balanced_due_times(
    due_at: dict[int, datetime], *, learner_id: int, card_id: int, answers_before: int, now: datetime, learner_settings: LearnerSettings
) -> dict[int, datetime]:
    """Each grade's due time moved by whole days as ``balanced_due_day`` says; intervals under 2.5 days stay.

    Reads the database (one statement) only when some interval is long enough to move.
    """
    settings = workload_settings(learner_settings)
    if not settings.balance and not learner_settings.easy_days:
        return dict(due_at)
    today = day_number(now)
    intervals = {grade: (due - now).total_seconds() / 86400.0 for grade, due in due_at.items()}
    windows = [fuzz_window_days(days) for days in intervals.values() if days >= SHORTEST_FUZZED_INTERVAL_DAYS]
    if not windows:
        return dict(due_at)
    first, last = min(window[0] for window in windows), max(window[1] for window in windows)
    start = timezone.make_aware(datetime.combine(EPOCH + timedelta(days=today + first), datetime.min.time()))
    due_counts, sibling_dates = due_days_around(learner_id=learner_id, card_id=card_id, start=start, end=start + timedelta(days=last - first + 1))
    counts = {(day - EPOCH).days: reviews for day, reviews in due_counts.items()}
    siblings = frozenset((day - EPOCH).days for day in sibling_dates)
    balanced = {}
    for grade, due in due_at.items():
        if intervals[grade] < SHORTEST_FUZZED_INTERVAL_DAYS:
            balanced[grade] = due
            continue
        day = balanced_due_day(
            today=today, interval_days=intervals[grade], due_counts=counts, sibling_days=siblings, settings=settings,
            seed=(card_id * 1_000_003 + answers_before) * 5 + grade,
        )
        balanced[grade] = due + timedelta(days=day - today - int(round(intervals[grade])))
    return balanced
