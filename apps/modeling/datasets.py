"""Study logs of a scope as the library's ``StudyLogTable``, and the time split that evaluates on the newest logs.

Dense ids follow a ``Vocabulary`` (card ids and concepts in order): a version keeps the
vocabulary it was trained with, so when the same logs are scored by the active
version and a new one, or when the active version serves, every card keeps its id and
cards it never saw get new ids after the known ones. A card's concept is its first
tag (cards without tags are their own concept); its text embedding comes from the
stored card embeddings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from apps.cards.models import Card
from apps.modeling.embeddings import card_embeddings_ensure
from apps.modeling.scopes import Scope
from apps.study.models import StudyLog
from knowledge_tracing.data.columns import STUDY_ROW_COLUMNS, StudyRow
from knowledge_tracing.data.table import StudyLogTable


@dataclass
class Vocabulary:
    """Card ids and concept names in dense-id order; ``extend`` appends unseen ones."""

    cards: list[int] = field(default_factory=list)
    concepts: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict | None) -> "Vocabulary":
        data = data or {}
        return cls(cards=list(data.get("cards", [])), concepts=list(data.get("concepts", [])))

    def to_json(self) -> dict:
        return {"cards": self.cards, "concepts": self.concepts}

    def extend(self, cards: list[Card]) -> "Vocabulary":
        known_cards, known_concepts = set(self.cards), set(self.concepts)
        extended = Vocabulary(cards=list(self.cards), concepts=list(self.concepts))
        for card in sorted(cards, key=lambda card: card.pk):
            if card.pk not in known_cards:
                known_cards.add(card.pk)
                extended.cards.append(card.pk)
            concept = concept_of(card)
            if concept not in known_concepts:
                known_concepts.add(concept)
                extended.concepts.append(concept)
        return extended


def concept_of(card: Card) -> str:
    return card.tags[0] if card.tags else f"card:{card.pk}"


def scope_logs(scope: Scope):
    """Live (not undone) study logs of the scope, oldest first.

    A cohort's logs are those of its current members, on every deck they studied.
    """
    return StudyLog.objects.live().filter(**scope.log_filter()).order_by("answered_at", "id")


def study_log_table(
    rows: list[tuple], *, vocabulary: Vocabulary, extra_cards: list[int] = ()
) -> tuple[StudyLogTable, Vocabulary]:
    """The table of ``rows`` (``STUDY_ROW_COLUMNS`` tuples) with text embeddings, and the vocabulary it used.

    ``extra_cards`` are cards to give ids (and embeddings) to even without logs, such as
    the candidates of a learner at serving time.
    """
    columns = StudyRow(*zip(*rows)) if rows else StudyRow(*([] for _ in STUDY_ROW_COLUMNS))
    card_ids = set(columns.card) | set(extra_cards) | set(vocabulary.cards)
    cards = list(Card.all_objects.filter(pk__in=card_ids))
    vocabulary = vocabulary.extend(cards)
    card_by_id = {card.pk: card for card in cards}
    item_of = {card_id: index for index, card_id in enumerate(vocabulary.cards)}
    concept_index = {concept: index for index, concept in enumerate(vocabulary.concepts)}
    vectors = card_embeddings_ensure(cards=cards)
    embeddings = np.stack([vectors[card_by_id[card_id].content_hash] for card_id in vocabulary.cards])
    learner_keys = sorted(set(columns.learner))
    learner_of = {learner: index for index, learner in enumerate(learner_keys)}
    items = np.array([item_of[card_id] for card_id in columns.card], dtype=np.int64)
    table = StudyLogTable.from_columns(
        learner=np.array([learner_of[learner] for learner in columns.learner], dtype=np.int64),
        item=items,
        time=np.array([moment.timestamp() for moment in columns.answered_at], dtype=np.float64),
        outcome=np.array(columns.outcome, dtype=np.int8),
        grade=np.array(columns.grade, dtype=np.int8),
        duration_ms=np.array(columns.response_ms, dtype=np.float64),
        concept=np.array([concept_index[concept_of(card_by_id[card_id])] for card_id in columns.card], dtype=np.int64),
        learner_keys=[str(learner) for learner in learner_keys],
        item_keys=vocabulary.cards,
        item_embeddings=embeddings,
        item_concepts=[concept_index[concept_of(card_by_id[card_id])] for card_id in vocabulary.cards],
    )
    return table, vocabulary


@dataclass(frozen=True)
class TimeSplit:
    """Train on the logs before ``cutoff``; score the model on the rows at or after it."""

    table: StudyLogTable
    train: StudyLogTable
    holdout_rows: np.ndarray
    cutoff: float


def split_by_time(table: StudyLogTable, holdout_fraction: float) -> TimeSplit:
    """Hold out the most recent ``holdout_fraction`` of the logs (by answer time, across all learners)."""
    order = np.argsort(table.time, kind="stable")
    first_holdout = int(np.floor(len(table) * (1.0 - holdout_fraction)))
    cutoff = float(table.time[order[first_holdout]]) if len(table) else 0.0
    holdout = table.time >= cutoff
    return TimeSplit(table=table, train=table.take(~holdout), holdout_rows=holdout, cutoff=cutoff)
