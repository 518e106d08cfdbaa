"""The figures an experiment page shows per arm, computed from plain answer rows.

Proportions come with a 95% Wilson score interval, which stays inside [0, 1] and
behaves at small counts and at rates near 0 or 1, where the normal approximation
does not. "Retention after at least a day" counts only answers whose previous answer
to the same card by the same learner came 24 hours or more earlier, so it measures
memory across a night rather than within a sitting.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, NamedTuple

Z_95 = 1.959963984540054
RETENTION_GAP = timedelta(days=1)


@dataclass(frozen=True)
class Proportion:
    """``successes`` out of ``trials`` with its 95% Wilson interval (all None without trials)."""

    successes: int
    trials: int

    @property
    def rate(self) -> float | None:
        return self.successes / self.trials if self.trials else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(self.successes, self.trials)


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval for a binomial proportion; None when there are no trials."""
    if trials == 0:
        return None
    rate = successes / trials
    z2_over_n = z * z / trials
    centre = (rate + z2_over_n / 2) / (1 + z2_over_n)
    half_width = z * math.sqrt(rate * (1 - rate) / trials + z2_over_n / (4 * trials)) / (1 + z2_over_n)
    return max(0.0, centre - half_width), min(1.0, centre + half_width)


class Answer(NamedTuple):
    learner_id: int
    card_id: int
    answered_at: datetime
    outcome: bool


@dataclass(frozen=True)
class ArmFigures:
    learners: int
    reviews: int
    recall: Proportion
    retention_after_a_day: Proportion


def arm_figures(answers: Iterable[Answer], *, learners: int, counted_from: datetime, counted_until: datetime | None) -> ArmFigures:
    """Figures over the answers in [counted_from, counted_until); earlier answers only serve as previous answers.

    ``answers`` must be ordered by learner, card and time.
    """
    reviews = recalled = retained_trials = retained = 0
    previous: Answer | None = None
    for answer in answers:
        same_card = previous is not None and (previous.learner_id, previous.card_id) == (answer.learner_id, answer.card_id)
        counted = answer.answered_at >= counted_from and (counted_until is None or answer.answered_at < counted_until)
        if counted:
            reviews += 1
            recalled += int(answer.outcome)
            if same_card and answer.answered_at - previous.answered_at >= RETENTION_GAP:
                retained_trials += 1
                retained += int(answer.outcome)
        previous = answer
    return ArmFigures(
        learners=learners,
        reviews=reviews,
        recall=Proportion(recalled, reviews),
        retention_after_a_day=Proportion(retained, retained_trials),
    )
