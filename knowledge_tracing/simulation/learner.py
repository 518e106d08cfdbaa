"""One simulated learner: FSRS-6 memory of each card, transfer from similar cards, answers with times.

The learner's own memory of a studied card follows FSRS-6 with the learner's
parameters: stability and difficulty change with every answer (``next_memory_state``,
whole days elapsed, as FSRS counts them) and recall decays along the power forgetting
curve in continuous time. A card never studied is recalled with the learner's
``first_review_recall`` (knowledge brought from outside the deck). On top of its own
memory, a card can be recalled through a similar card the learner remembers (see
``CardNeighbours.transferred_recall``):

    P(recall j) = 1 - (1 - own_j) * (1 - transfer_j)

so studying a card raises the recall of its neighbours, scaled by cosine similarity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from knowledge_tracing.history.fsrs_memory import SECONDS_PER_DAY, forgetting_curve, next_memory_state
from knowledge_tracing.simulation.transfer import CardNeighbours

if TYPE_CHECKING:
    from knowledge_tracing.simulation.population import LearnerParameters

AGAIN = 1


@dataclass(frozen=True)
class Answer:
    """What the learner did: recalled (1) or not (0), the 1-4 grade, and how long it took."""

    outcome: int
    grade: int
    response_ms: float


class SimulatedLearner:
    """A learner studying one deck; cards are addressed by their index in the deck (0..n-1).

    Answers are random (drawn from ``rng``), so the same learner, seed and sequence of
    questions always give the same answers.
    """

    def __init__(self, parameters: "LearnerParameters", *, neighbours: CardNeighbours, rng: np.random.Generator) -> None:
        self.parameters = parameters
        self.neighbours = neighbours
        self.rng = rng
        n_cards = len(neighbours.indices)
        self.stability = np.full(n_cards, np.nan)
        self.difficulty = np.full(n_cards, np.nan)
        self.last_answered_at = np.full(n_cards, np.nan)

    @property
    def n_cards(self) -> int:
        return len(self.stability)

    def recall_probabilities(self, at_time: float) -> np.ndarray:
        """P(recall) of every card at ``at_time`` (seconds since the epoch)."""
        memory = self._memory_recall(at_time)
        own = np.where(np.isnan(self.stability), self.parameters.first_review_recall, memory)
        transfer = self.neighbours.transferred_recall(memory, self.parameters.transfer_strength)
        return 1.0 - (1.0 - own) * (1.0 - transfer)

    def answer(self, card: int, at_time: float) -> Answer:
        """Answer ``card`` at ``at_time``, then remember the answer (memory is updated)."""
        if not 0 <= card < self.n_cards:
            raise ValueError(f"card index {card} outside the deck of {self.n_cards} cards")
        if at_time < self.last_answered_at[card]:
            raise ValueError(f"card {card} answered at {at_time}, before its previous answer")
        recall = self.recall_probabilities(at_time)[card]
        outcome = int(self.rng.random() < recall)
        grade = AGAIN if outcome == 0 else 2 + int(self.rng.choice(3, p=self.parameters.recall_grade_shares))
        mean_log_ms, sd_log_ms = (
            self.parameters.response_log_ms_recalled if outcome else self.parameters.response_log_ms_forgotten
        )
        response_ms = float(self.rng.lognormal(mean_log_ms, sd_log_ms))
        self._remember(card, at_time, grade)
        return Answer(outcome=outcome, grade=grade, response_ms=response_ms)

    def _memory_recall(self, at_time: float) -> np.ndarray:
        """Recall from the learner's own memory of each card; 0 for cards never studied."""
        elapsed_days = np.maximum(at_time - self.last_answered_at, 0.0) / SECONDS_PER_DAY
        with np.errstate(invalid="ignore"):
            recall = forgetting_curve(elapsed_days, self.stability, self.parameters.fsrs6_parameters[20])
        return np.nan_to_num(recall, nan=0.0)

    def _remember(self, card: int, at_time: float, grade: int) -> None:
        previous = self.last_answered_at[card]
        elapsed_days = 0.0 if np.isnan(previous) else np.floor((at_time - previous) / SECONDS_PER_DAY)
        stability, difficulty = next_memory_state(
            self.stability[card], self.difficulty[card], elapsed_days, grade, self.parameters.fsrs6_parameters
        )
        self.stability[card] = float(stability)
        self.difficulty[card] = float(difficulty)
        self.last_answered_at[card] = at_time
