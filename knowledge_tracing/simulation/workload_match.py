"""Compare a policy with FSRS due order at the same workload: FSRS's curve of cards known against minutes studied.

Cards learned per minute flatters a policy that studies less (the first minutes of a
day teach the most), so "teaches at least as much per minute" is judged at equal
minutes instead. FSRS due order is run on the same learners (the same random streams)
at several target retentions; each run is a point (minutes studied, cards known). A
higher target buys more reviews for more minutes; with a daily budget several targets
may fill it alike and know different amounts. The curve is FSRS's frontier: from
the point (0 minutes, what the learners knew before studying), the runs that no run of
fewer or equal minutes matched in cards known, sorted by minutes and joined by
straight lines (a run that spent more minutes to know less is dropped, not lifted to
the bar of the better run before it: the line to the next better run is the stricter
bar, as if FSRS could be tuned between the two). A policy that studied ``m`` minutes and
knew ``k`` cards is at or above FSRS at its workload when ``k >= curve(m)``.

Past FSRS's best run the curve stays flat (FSRS was not seen to know more with more
time); past FSRS's longest run that favours the policy, so such a comparison is
flagged ``beyond_curve``.
Between the origin and FSRS's shortest run the straight line lies below a learning
curve that rises fastest at first, which also favours the policy, so the bench says
where a policy's minutes fall (``below_curve``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class WorkloadCurve:
    """FSRS's frontier of cards known against minutes studied (see the module docstring)."""

    minutes: np.ndarray
    known: np.ndarray
    longest_run: float

    @classmethod
    def from_points(cls, minutes, known, *, known_before: float) -> "WorkloadCurve":
        """The runs ``(minutes[i], known[i])`` that no run of fewer or equal minutes matched, from ``(0, known_before)``."""
        minutes = np.concatenate([[0.0], np.asarray(minutes, dtype=np.float64)])
        longest_run = float(minutes.max())
        known = np.concatenate([[float(known_before)], np.asarray(known, dtype=np.float64)])
        if np.any(minutes < 0) or not np.all(np.isfinite(minutes)) or not np.all(np.isfinite(known)):
            raise ValueError("workload points need finite known cards and minutes of at least zero")
        order = np.lexsort((known, minutes))
        minutes, known = minutes[order], known[order]
        best_before = np.r_[-np.inf, np.maximum.accumulate(known)[:-1]]
        beaten = known <= best_before
        beaten[0] = False
        minutes, known = minutes[~beaten], known[~beaten]
        last_of_each = np.r_[minutes[1:] != minutes[:-1], True]
        return cls(minutes=minutes[last_of_each], known=known[last_of_each], longest_run=longest_run)

    def known_at(self, minutes: float) -> float:
        """FSRS's cards known at ``minutes`` of study, read off the curve (flat past its last point)."""
        return float(np.interp(minutes, self.minutes, self.known))

    def compare(self, minutes: float, known: float) -> dict:
        """How a run of ``minutes`` that ended with ``known`` cards stands against the curve.

        ``margin`` is in cards (positive: the run knew more than FSRS at its
        workload), ``margin_per_minute`` the same over the run's minutes.
        """
        fsrs_known = self.known_at(minutes)
        margin = float(known) - fsrs_known
        return {
            "fsrs_known_at_same_minutes": round(fsrs_known, 2),
            "margin": round(margin, 2),
            "margin_per_minute": round(margin / minutes, 4) if minutes > 0 else None,
            "at_or_above": bool(margin >= 0.0),
            "beyond_curve": bool(minutes > self.longest_run),
            "below_curve": bool(len(self.minutes) > 1 and minutes < self.minutes[1]),
        }
