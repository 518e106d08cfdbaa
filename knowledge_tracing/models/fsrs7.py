"""FSRS-7 as a student model: the open spaced-repetition benchmark's current FSRS, per learner or with defaults.

FSRS-7 keeps FSRS's per-card stability S and difficulty D but changes three things,
all written here from the formulas the benchmark publishes (``models/fsrs_v7.py``):

- **Fractional intervals.** Time since the previous review is counted in days with
  fractions, so a review ten minutes later and one a day later differ.
- **A two-power-law forgetting curve.** R(t, S) = (a R1 + b R2) / (a + b) with
  Ri = (1 + fi t / S) ** -decay_i, fi chosen so that Ri(S, S) = base_i, and weights
  a = w31 S ** -w33, b = w32 S ** w34 that shift from the fast curve to the slow one as
  S grows (35 parameters in all, ``DEFAULT_FSRS7_PARAMETERS``).
- **Long- and short-term updates mixed by the interval.** After a review, a long-term
  and a short-term stability are computed with one formula and two parameter sets
  (w7-w15 and w16-w24), and mixed by c = 1 - w26 exp(-w25 t): a same-day review is
  mostly short-term, a review days later long-term. A lapse never raises S, a success
  never lowers it below the lapse value; difficulty moves by -w6 (grade - 3), damped
  towards 10 and reverted by 1% towards the Easy starting difficulty.

``fsrs7`` optimises the 35 parameters per learner as the benchmark does: Adam
(rate 0.02, betas 0.8 and 0.85) with a cosine schedule over 8 epochs of batches of
1,024 reviews, binary cross-entropy on every repeat review of the training rows
(same-day ones included) weighted by recency (0.25 + 0.75 x**3 from the oldest to the
newest), an L2 pull towards the defaults scaled by the benchmark's per-parameter
spreads (``PRIOR_SPREAD``, weight 0.5 per review), and the benchmark's parameter bounds
after each step. Unlike the benchmark, each step is one full pass over the learner's
training reviews (as many steps as the benchmark's batches) and initial stabilities
are not pre-fitted before training. ``fsrs7-default`` keeps the defaults. First
sightings get the training rows' first-sighting recall rate, as in FSRS-6.

The replay runs in PyTorch (float64), pair-parallel: all cards' first reviews in one
vector step, then all second reviews, and so on; training differentiates through it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.history.fsrs_memory import grades_of
from knowledge_tracing.history.pairs import PairRanks, pair_keys
from knowledge_tracing.models.base import StudentModel, register_model
from knowledge_tracing.models.repeat_reviews import PerLearnerFit, first_sighting_rate, with_first_sightings

SECONDS_PER_DAY = 86_400.0
STABILITY_MIN = 0.0001
STABILITY_MAX = 36_500.0
INITIAL_STABILITY_MAX = 100.0

# The benchmark's defaults ("obtained via multi-user optimization").
DEFAULT_FSRS7_PARAMETERS: tuple[float, ...] = (
    0.041, 2.4175, 4.1283, 11.9709,  # initial stability by first grade
    5.6385, 0.4468, 3.262,  # difficulty
    2.3054, 0.1688, 1.3325, 0.3524, 0.0049, 0.7503, 0.0896, 0.6625, 1.3,  # long-term stability
    0.882, 0.3072, 3.5875, 0.303, 0.0107, 0.2279, 2.6413, 0.5594, 1.3,  # short-term stability
    2.5, 1.0,  # long/short transition
    0.0723, 0.1634, 0.5, 0.9555, 0.2245, 0.6232, 0.1362, 0.3862,  # forgetting curve
)  # fmt: skip

# How far each parameter may stray from its default before the L2 pull matters (the
# benchmark's sigma; the initial stabilities are effectively free).
PRIOR_SPREAD: tuple[float, ...] = (
    9999.0, 9999.0, 9999.0, 9999.0,
    0.523, 0.2528, 0.4329,
    0.2966, 0.2139, 0.2889, 0.1862, 0.0829, 0.175, 0.3812, 0.3013, 0.9104,
    0.3234, 0.2448, 0.3273, 0.1842, 0.1542, 0.1735, 0.4608, 0.311, 0.864,
    0.4053, 0.162,
    0.0418, 0.2596, 0.0798, 0.0682, 0.1282, 0.1397, 0.1407, 0.1489,
)  # fmt: skip

# The benchmark's bounds on each parameter, then the orderings it keeps: initial
# stabilities rise with the grade, and the slow curve's decay and base are at least the
# fast one's.
PARAMETER_BOUNDS: tuple[tuple[float, float], ...] = (
    (STABILITY_MIN, INITIAL_STABILITY_MAX / 2), (STABILITY_MIN, INITIAL_STABILITY_MAX),
    (STABILITY_MIN, INITIAL_STABILITY_MAX), (STABILITY_MIN, INITIAL_STABILITY_MAX),
    (1.0, 10.0), (0.001, 4.0), (0.1, 4.0),
    (0.0, 4.0), (0.0, 1.2), (0.3, 3.0), (0.01, 1.5), (0.001, 0.9), (0.1, 1.0), (0.0, 3.5), (0.0, 1.0), (1.0, 7.0),
    (0.0, 4.0), (0.0, 2.0), (0.5, 6.0), (0.001, 1.5), (0.001, 2.0), (0.001, 1.0), (0.0, 5.0), (0.0, 1.0), (1.0, 7.0),
    (2.5, 15.0), (0.0, 1.0),
    (0.01, 0.25), (0.01, 0.95), (0.5, 0.85), (0.5, 0.99), (0.01, 1.0), (0.1, 1.0), (0.0, 0.9), (0.1, 1.1),
)  # fmt: skip
AT_LEAST = ((1, 0), (2, 1), (3, 2), (28, 27), (30, 29))  # w[i] >= w[j]


def forgetting_curve(elapsed_days, stability, w):
    """R(t, S): the weighted mean of two power laws with R_i(S, S) = base_i (works on tensors and floats)."""
    fast_decay, slow_decay, fast_base, slow_base = w[27], w[28], w[29], w[30]
    ratio = elapsed_days / stability
    fast = (1 + (fast_base ** (-1 / fast_decay) - 1) * ratio) ** -fast_decay
    slow = (1 + (slow_base ** (-1 / slow_decay) - 1) * ratio) ** -slow_decay
    fast_weight = w[31] * stability ** -w[33]
    slow_weight = w[32] * stability ** w[34]
    return (fast_weight * fast + slow_weight * slow) / (fast_weight + slow_weight)


def initial_difficulty(grade, w):
    return w[4] - torch.exp(w[5] * (grade - 1)) + 1


def next_state(stability, difficulty, elapsed_days, grade, w):
    """S and D after a review ``elapsed_days`` after the previous one, with that review's ``grade`` (tensors)."""
    retrievability = forgetting_curve(elapsed_days, stability, w)
    forgetting = 1 - retrievability
    updates = []
    for base in (7, 16):  # long-term, then short-term parameters
        lapse = (
            w[base + 3]
            * difficulty ** -w[base + 4]
            * ((stability + 1) ** w[base + 5] - 1)
            * torch.exp(forgetting * w[base + 6])
        )
        after_lapse = torch.minimum(stability, lapse)
        grade_factor = torch.where(grade == 2, w[base + 7], torch.where(grade == 4, w[base + 8], torch.ones_like(stability)))
        increase = 1 + torch.exp(w[base] - 1.5) * (11 - difficulty) * stability ** -w[base + 1] * (
            torch.exp(forgetting * w[base + 2]) - 1
        ) * grade_factor
        updates.append(torch.where(grade > 1, torch.maximum(after_lapse, stability * increase), after_lapse))
    long_term_share = 1 - w[26] * torch.exp(-w[25] * elapsed_days)
    new_stability = long_term_share * updates[0] + (1 - long_term_share) * updates[1]
    damped = difficulty - w[6] * (grade - 3) * (10 - difficulty) / 9
    new_difficulty = 0.01 * initial_difficulty(4, w) + 0.99 * damped
    return new_stability.clamp(STABILITY_MIN, STABILITY_MAX), new_difficulty.clamp(1, 10)


@dataclass(frozen=True)
class ReplayPlan:
    """How to replay a table's learner-card pairs rank by rank: which rows, and where each row's previous review sits.

    ``rows[r]`` are the table rows that are their pair's r-th review (ordered by pair);
    ``previous[r]`` the positions, within ``rows[r - 1]``, of each one's previous review.
    """

    rows: list[np.ndarray]
    previous: list[torch.Tensor]
    elapsed_days: list[torch.Tensor]
    grade: list[torch.Tensor]

    @classmethod
    def of(cls, table: StudyLogTable) -> "ReplayPlan":
        pair = pair_keys(table)
        ranks = PairRanks.of(pair, times=table.time)
        order = ranks.order
        sorted_pair, rank = pair[order], ranks.rank[order]
        grades = grades_of(table).astype(np.float64)
        rows, previous, elapsed, grade = [], [], [], []
        for r in range(int(rank.max()) + 1 if len(order) else 0):
            at_rank = np.flatnonzero(rank == r)
            rows.append(order[at_rank])
            grade.append(torch.from_numpy(grades[order[at_rank]]))
            if r == 0:
                previous.append(torch.zeros(0, dtype=torch.long))
                elapsed.append(torch.zeros(len(at_rank), dtype=torch.float64))
                continue
            previous.append(torch.from_numpy(np.searchsorted(sorted_pair[rank == r - 1], sorted_pair[at_rank])))
            seconds = table.time[order[at_rank]] - table.time[order[at_rank - 1]]
            elapsed.append(torch.from_numpy(np.maximum(seconds, 0.0) / SECONDS_PER_DAY))
        return cls(rows, previous, elapsed, grade)

    def retrievability(self, w: torch.Tensor, n_rows: int) -> torch.Tensor:
        """R before every row of the table (0 for a pair's first review), differentiable in ``w``."""
        if not self.rows:
            return torch.zeros(n_rows, dtype=torch.float64)
        values, positions = [], []
        stability = w[self.grade[0].long() - 1].clamp(STABILITY_MIN, STABILITY_MAX)
        difficulty = initial_difficulty(self.grade[0], w).clamp(1, 10)
        for r in range(1, len(self.rows)):
            stability, difficulty = stability[self.previous[r]], difficulty[self.previous[r]]
            values.append(forgetting_curve(self.elapsed_days[r], stability, w))
            positions.append(self.rows[r])
            stability, difficulty = next_state(stability, difficulty, self.elapsed_days[r], self.grade[r], w)
        recall = torch.zeros(n_rows, dtype=torch.float64)
        if values:
            recall = recall.index_put((torch.from_numpy(np.concatenate(positions)),), torch.cat(values))
        return recall


def clip_parameters(w: torch.Tensor) -> None:
    """Keep ``w`` (in place) within the benchmark's bounds and orderings."""
    lower, upper = (torch.tensor(bound, dtype=w.dtype) for bound in zip(*PARAMETER_BOUNDS))
    with torch.no_grad():
        w.copy_(torch.maximum(torch.minimum(w, upper), lower))
        for index, floor in AT_LEAST:
            w[index] = torch.maximum(w[index], w[floor])


def optimize_parameters(table: StudyLogTable, *, epochs: int = 8, batch_reviews: int = 1024) -> list[float]:
    """FSRS-7 parameters fitted to one learner's rows (see the module docstring)."""
    plan = ReplayPlan.of(table)
    review_count = _review_counts(plan, len(table))
    trained = np.flatnonzero(review_count > 0)
    defaults = torch.tensor(DEFAULT_FSRS7_PARAMETERS, dtype=torch.float64)
    if len(trained) == 0:
        return list(DEFAULT_FSRS7_PARAMETERS)
    by_time = trained[np.argsort(table.time[trained], kind="stable")]
    recency = np.empty(len(table))
    recency[by_time] = 0.25 + 0.75 * np.linspace(0.0, 1.0, len(by_time)) ** 3
    weight = torch.from_numpy(recency[trained])
    outcome = torch.from_numpy(table.outcome[trained].astype(np.float64))
    rows = torch.from_numpy(trained)
    spread = torch.tensor(PRIOR_SPREAD, dtype=torch.float64)
    w = defaults.clone().requires_grad_(True)
    steps = epochs * math.ceil(len(trained) / batch_reviews)
    optimizer = torch.optim.Adam([w], lr=2e-2, betas=(0.8, 0.85))
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    for _ in range(steps):
        predicted = plan.retrievability(w, len(table))[rows].clamp(1e-4, 1 - 1e-4)
        cross_entropy = torch.nn.functional.binary_cross_entropy(predicted, outcome, weight=weight)
        prior = 0.5 * (((w - defaults) / spread) ** 2).sum() / len(trained)
        optimizer.zero_grad()
        (cross_entropy + prior).backward()
        optimizer.step()
        schedule.step()
        clip_parameters(w)
    return [float(value) for value in w.detach()]


def _review_counts(plan: ReplayPlan, n_rows: int) -> np.ndarray:
    """Each row's number of earlier reviews of its pair (its rank)."""
    counts = np.zeros(n_rows, np.int64)
    for rank, rows in enumerate(plan.rows):
        counts[rows] = rank
    return counts


@register_model
class FSRS7Model(PerLearnerFit, StudentModel):
    """Retrievability before each review under FSRS-7; one parameter vector per learner."""

    name = "fsrs7"
    requires_timestamps = True
    uses_validation = False
    default_hyperparameters = {"optimize": True}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.learner_parameters: dict[str, list[float]] = {}
        self.first_rate = 0.5

    def optimize_learner(self, learner_rows: StudyLogTable) -> list[float]:
        return optimize_parameters(learner_rows)

    def fit_with_learner_parameters(self, train: StudyLogTable, parameters: dict[str, list[float]]) -> None:
        self.first_rate = first_sighting_rate(train, _review_counts(ReplayPlan.of(train), len(train)))
        self.learner_parameters = dict(parameters)

    @torch.no_grad()
    def predict_proba(self, table: StudyLogTable) -> np.ndarray:
        review_count = np.zeros(len(table), np.int64)
        recall = np.zeros(len(table))
        bounds = table.learner_boundaries()
        for start, end in zip(bounds[:-1], bounds[1:]):
            key = str(table.learner_keys[table.learner[start]])
            w = torch.tensor(self.learner_parameters.get(key, DEFAULT_FSRS7_PARAMETERS), dtype=torch.float64)
            plan = ReplayPlan.of(table.take(np.arange(start, end)))
            review_count[start:end] = _review_counts(plan, end - start)
            recall[start:end] = plan.retrievability(w, end - start).numpy()
        return with_first_sightings(review_count, recall, self.first_rate)

    def _state(self) -> dict:
        keys = sorted(self.learner_parameters)
        parameters = [self.learner_parameters[key] for key in keys]
        return {
            "learner_keys": keys,
            "parameters": torch.tensor(parameters, dtype=torch.float64).reshape(len(keys), len(DEFAULT_FSRS7_PARAMETERS)),
            "first_rate": self.first_rate,
        }

    def _restore(self, state: dict) -> None:
        self.learner_parameters = dict(zip(state["learner_keys"], state["parameters"].tolist()))
        self.first_rate = float(state["first_rate"])


@register_model
class FSRS7DefaultModel(FSRS7Model):
    """FSRS-7 with the benchmark's default parameters for every learner (no training)."""

    name = "fsrs7-default"
    default_hyperparameters = {"optimize": False}
