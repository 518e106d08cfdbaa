"""Anki's workload tools over whichever schedule: load balancing, easy days and sibling dispersal.

Pure functions on day numbers (whole days since the epoch in the learner's time
zone), used by the web application when it stores a due date and by the simulator,
so both spread reviews the same way.

A review's due date may move within its fuzz window (``fuzz_window_days``: the range
Anki and the ``fsrs`` package fuzz an interval over; none below 2.5 days, about
+-15% to +-5% above). As in Anki's load balancer, each day of the window gets the
weight ``share / (reviews due that day + 1)^2 / interval``, and the day is drawn with
those weights: busy days are avoided, and the ``1 / interval`` keeps the window's
later days, which look emptier only because the reviews that will fall due then
are not scheduled yet, from drawing every card late (and retention down). ``share``
is the weekday's part of a normal day (easy days: 0.5 takes about half the reviews,
0 none while the window has another day). A day on which a sibling (another card of
the same note) is due gets no weight while the window has a day without one. The
draw is seeded by the caller (a card and its answer), so a replayed answer lands on
the same day. With balancing off a card stays on its own day unless that day is an
easy day at 0 or a sibling's; then it is drawn as if the window were empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

SHORTEST_FUZZED_INTERVAL_DAYS = 2.5
FUZZ_RANGES = ((2.5, 7.0, 0.15), (7.0, 20.0, 0.10), (20.0, np.inf, 0.05))
"""(from days, to days, share): the ``fsrs`` package's and Anki's fuzz ranges."""
EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday is 0)


@dataclass(frozen=True)
class WorkloadSettings:
    """Which tools are on, and each weekday's share of a normal day's reviews (Monday first)."""

    balance: bool = True
    disperse_siblings: bool = True
    weekday_load: tuple[float, ...] = (1.0,) * 7

    def __post_init__(self) -> None:
        if len(self.weekday_load) != 7 or not all(0.0 <= share <= 1.0 for share in self.weekday_load):
            raise ValueError(f"weekday_load needs seven shares between 0 and 1, got {self.weekday_load}")
        if max(self.weekday_load) == 0.0:
            raise ValueError("at least one weekday must take reviews")


def weekday_of(day: int) -> int:
    """Monday 0 ... Sunday 6 of a day number."""
    return (int(day) + EPOCH_WEEKDAY) % 7


def fuzz_window_days(interval_days: float) -> tuple[int, int]:
    """The whole-day intervals an interval may move to (its own rounded, alone, below 2.5 days)."""
    if interval_days < SHORTEST_FUZZED_INTERVAL_DAYS:
        rounded = int(round(interval_days))
        return rounded, rounded
    delta = 1.0 + sum(share * max(min(interval_days, end) - start, 0.0) for start, end, share in FUZZ_RANGES)
    shortest = max(2, int(round(interval_days - delta)))
    return min(shortest, int(round(interval_days + delta))), int(round(interval_days + delta))


def balanced_due_day(
    *,
    today: int,
    interval_days: float,
    due_counts: Mapping[int, int],
    seed: int,
    sibling_days: set[int] | frozenset[int] = frozenset(),
    settings: WorkloadSettings = WorkloadSettings(),
) -> int:
    """The day (day number) a review answered ``today`` with this interval falls due (see the module docstring).

    ``due_counts`` holds how many reviews are already due on each day, ``sibling_days``
    the days on which a sibling of the card is due; ``seed`` makes the draw repeatable.
    """
    own = today + int(round(interval_days))
    if not settings.balance and settings.weekday_load[weekday_of(own)] > 0:
        if not (settings.disperse_siblings and own in sibling_days):
            return own
    shortest, longest = fuzz_window_days(interval_days)
    days = np.arange(today + shortest, today + longest + 1)
    share = np.array([settings.weekday_load[weekday_of(day)] for day in days])
    due = np.array([due_counts.get(int(day), 0) if settings.balance else 0 for day in days], dtype=np.float64)
    weight = share / (due + 1.0) ** 2 / np.maximum(days - today, 1)
    if settings.disperse_siblings:
        free = ~np.isin(days, list(sibling_days))
        if (weight * free).sum() > 0:
            weight = weight * free
    if weight.sum() <= 0:
        return own
    return int(np.random.default_rng(seed).choice(days, p=weight / weight.sum()))
