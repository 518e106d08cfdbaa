"""The questions a scheduler asks about its candidate cards, and their features factored by part.

A scheduler asks several questions about the same candidates (now; tomorrow after a
recall, after a lapse, without study). ``Question`` is one of them;
``QuestionFeatures`` holds the answers' features stored by what each part varies with
(pair states x questions, learner x questions, items), so a model whose first layer is
affine in its inputs applies it to each part once (``HistoryFeatures.question_feature_parts``
computes them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np


class Question(NamedTuple):
    """One question about every candidate: asked at ``at_time``, after an optional simulated answer.

    With ``simulated_outcome`` (1 recall, 0 lapse) each candidate is first answered at
    ``simulated_at`` (no later than ``at_time``) in its own hypothetical world.
    """

    at_time: float
    simulated_outcome: int | None = None
    simulated_at: float | None = None


@dataclass(frozen=True)
class QuestionFeatures:
    """The FEATURE_NAMES of items asked several questions, stored by what each part varies with.

    Row ``(question j, item i)`` of the full matrix is ``pair[j, state_of_item[i]]``,
    then ``learner[j]``, then ``item[i]`` (the column order of FEATURE_NAMES).

    Attributes:
        pair: (questions, pair states, len(PAIR_FEATURES)); items never studied share one state.
        state_of_item: (items,) the pair state of each item.
        learner: (questions, len(LEARNER_FEATURES)), the same for every item.
        item: (items, len(ITEM_FEATURES)), the same for every question.
    """

    pair: np.ndarray
    state_of_item: np.ndarray
    learner: np.ndarray
    item: np.ndarray

    def matrix(self) -> np.ndarray:
        """The full (questions x items, len(FEATURE_NAMES)) matrix, question by question."""
        n_questions, n_items = len(self.learner), len(self.item)
        return np.concatenate(
            [
                self.pair[:, self.state_of_item].reshape(n_questions * n_items, -1),
                np.repeat(self.learner, n_items, axis=0),
                np.tile(self.item, (n_questions, 1)),
            ],
            axis=1,
        )
