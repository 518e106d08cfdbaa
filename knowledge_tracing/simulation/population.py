"""The simulated population: per-learner parameters drawn around values fitted to a real review log.

The constants below were fitted once, offline, to ``../shared/data/revlogs/anki_josh_2024.csv``
(12,580 Anki reviews of 1,205 cards by one learner) with

    python -m knowledge_tracing.simulation.calibration ../shared/data/revlogs/anki_josh_2024.csv

(FSRS-6 parameters from Anki's optimizer, ``fsrs-rs-python`` 0.9.3), so the simulator
never reads a data file. One learner cannot tell how learners differ, so the spread
between simulated learners is an assumption, stated here: a log-normal memory strength
(sd 0.3 in log space) multiplies the initial stabilities ``w[0..3]`` and the growth of
stability on recall (``exp(w[8])``); the share of new cards already known, and the
response speed, vary per learner too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from knowledge_tracing.simulation.learner import SimulatedLearner
from knowledge_tracing.simulation.transfer import CardNeighbours

FITTED_FSRS6_PARAMETERS: tuple[float, ...] = (
    0.081, 0.2772, 0.652, 1.351, 6.4758, 0.5346, 3.1277, 0.0573, 1.6633, 0.1719, 0.612,
    1.5251, 0.0729, 0.3139, 1.7885, 0.6048, 1.8729, 0.9201, 0.3044, 0.1561, 0.1999,
)  # fmt: skip
FITTED_FIRST_REVIEW_RECALL = 0.279
FITTED_RECALL_GRADE_SHARES = (0.0, 1.0, 0.0)  # Hard, Good, Easy among recalls (this learner only used Good)
FITTED_RESPONSE_LOG_MS_RECALLED = (9.288, 0.425)  # mean and sd of log(ms): median about 10.8 s
FITTED_RESPONSE_LOG_MS_FORGOTTEN = (9.516, 0.448)  # median about 13.6 s

MEMORY_STRENGTH_LOG_SD = 0.3
RESPONSE_SPEED_LOG_SD = 0.25
FIRST_RECALL_CONCENTRATION = 20.0
DEFAULT_TRANSFER_STRENGTH = 0.5


@dataclass(frozen=True)
class LearnerParameters:
    """Everything that makes one simulated learner differ from another.

    Attributes:
        fsrs6_parameters: the 21 FSRS-6 weights of this learner's memory.
        first_review_recall: chance of already knowing a card never studied.
        recall_grade_shares: chance of Hard, Good, Easy when a card is recalled.
        response_log_ms_recalled: mean and sd of log(response ms) when recalled.
        response_log_ms_forgotten: the same when forgotten.
        transfer_strength: how much recalling a similar card helps (0 = none).
    """

    fsrs6_parameters: tuple[float, ...] = FITTED_FSRS6_PARAMETERS
    first_review_recall: float = FITTED_FIRST_REVIEW_RECALL
    recall_grade_shares: tuple[float, float, float] = FITTED_RECALL_GRADE_SHARES
    response_log_ms_recalled: tuple[float, float] = FITTED_RESPONSE_LOG_MS_RECALLED
    response_log_ms_forgotten: tuple[float, float] = FITTED_RESPONSE_LOG_MS_FORGOTTEN
    transfer_strength: float = DEFAULT_TRANSFER_STRENGTH


def draw_learner_parameters(
    rng: np.random.Generator, *, transfer_strength: float = DEFAULT_TRANSFER_STRENGTH
) -> LearnerParameters:
    """One learner around the fitted values (see the module docstring for the spread)."""
    w = np.array(FITTED_FSRS6_PARAMETERS)
    memory_strength = rng.lognormal(0.0, MEMORY_STRENGTH_LOG_SD)
    w[0:4] *= memory_strength
    w[8] += np.log(memory_strength)
    mean_recall = FITTED_FIRST_REVIEW_RECALL
    first_recall = rng.beta(mean_recall * FIRST_RECALL_CONCENTRATION, (1 - mean_recall) * FIRST_RECALL_CONCENTRATION)
    speed_shift = rng.normal(0.0, RESPONSE_SPEED_LOG_SD)
    recalled_mu, recalled_sd = FITTED_RESPONSE_LOG_MS_RECALLED
    forgotten_mu, forgotten_sd = FITTED_RESPONSE_LOG_MS_FORGOTTEN
    return replace(
        LearnerParameters(),
        fsrs6_parameters=tuple(float(value) for value in w),
        first_review_recall=float(first_recall),
        response_log_ms_recalled=(recalled_mu + speed_shift, recalled_sd),
        response_log_ms_forgotten=(forgotten_mu + speed_shift, forgotten_sd),
        transfer_strength=transfer_strength,
    )


def simulated_population(
    n_learners: int,
    *,
    neighbours: CardNeighbours,
    seed: int,
    transfer_strength: float = DEFAULT_TRANSFER_STRENGTH,
) -> list[SimulatedLearner]:
    """``n_learners`` fresh learners of one deck; the same seed always gives the same learners."""
    learners = []
    for child in np.random.SeedSequence(seed).spawn(n_learners):
        parameter_rng, answer_rng = (np.random.default_rng(grand_child) for grand_child in child.spawn(2))
        parameters = draw_learner_parameters(parameter_rng, transfer_strength=transfer_strength)
        learners.append(SimulatedLearner(parameters, neighbours=neighbours, rng=answer_rng))
    return learners
