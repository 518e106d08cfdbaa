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
from apps.modeling.log_columns import LogColumns
from apps.modeling.scopes import Scope
from apps.study.models import StudyLog
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
    """The table of ``rows`` (``STUDY_ROW_COLUMNS`` tuples, oldest first) with text embeddings, and the vocabulary it used.

    ``extra_cards`` are cards to give ids (and embeddings) to even without logs, such as
    the candidates of a learner at serving time.
    """
    columns = LogColumns.from_rows((position, *row) for position, row in enumerate(rows))
    return study_log_table_of_columns(columns, vocabulary=vocabulary, extra_cards=extra_cards)


def study_log_table_of_columns(
    columns: LogColumns, *, vocabulary: Vocabulary, extra_cards: list[int] = ()
) -> tuple[StudyLogTable, Vocabulary]:
    """The table of study-log ``columns`` (rows of equal time kept in column order) and the vocabulary it used.

    Ids are mapped with array look-ups, never per row in Python, so a million logs cost
    a few array passes; only the cards (the vocabulary) are Django instances.
    """
    card_ids = set(np.unique(columns.card_id).tolist()) | set(extra_cards) | set(vocabulary.cards)
    cards = list(Card.all_objects.filter(pk__in=card_ids))
    vocabulary = vocabulary.extend(cards)
    card_by_id = {card.pk: card for card in cards}
    concept_index = {concept: index for index, concept in enumerate(vocabulary.concepts)}
    vectors = card_embeddings_ensure(cards=cards)
    embeddings = np.stack([vectors[card_by_id[card_id].content_hash] for card_id in vocabulary.cards])
    item_concepts = np.array([concept_index[concept_of(card_by_id[card_id])] for card_id in vocabulary.cards], dtype=np.int64)
    vocabulary_ids = np.asarray(vocabulary.cards, dtype=np.int64)
    by_card_id = np.argsort(vocabulary_ids, kind="stable")
    items = by_card_id[np.searchsorted(vocabulary_ids, columns.card_id, sorter=by_card_id)]
    learner_keys, learners = np.unique(columns.learner_id, return_inverse=True)
    table = StudyLogTable.from_columns(
        learner=learners.astype(np.int64),
        item=items,
        time=columns.answered_at,
        outcome=columns.outcome,
        grade=columns.grade,
        duration_ms=columns.response_ms,
        concept=item_concepts[items],
        learner_keys=[str(learner) for learner in learner_keys.tolist()],
        item_keys=vocabulary.cards,
        item_embeddings=embeddings,
        item_concepts=item_concepts,
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
