"""The columns of a study-log row, of Mnemo's study-log export and of the FSRS optimizer's review log.

One definition shared by the writer (``apps.research``) and the reader
(``knowledge_tracing.data.loaders``), so an export is always readable by
``python -m knowledge_tracing evaluate``. Each column has a logical type that the
Parquet writer and the export manifest both use.

``StudyRow`` is also the one row format in which the app hands a learner's answers to
the library (the study service's learner states and candidate predictions, training
data sets and the served model's table builder all read ``values_list(*STUDY_ROW_COLUMNS)``;
Django reads a foreign key's name as its id), so the order a row is written in and
the order it is read in cannot differ.
"""

from datetime import datetime
from typing import Any, NamedTuple


class StudyRow(NamedTuple):
    """One answer: who, which card, when, and how it went."""

    learner: Any  # the learner's key: a user id in the app, a keyed pseudonym in an export
    card: Any  # the card's key: its id in the app, its UUID in an export
    answered_at: datetime
    outcome: int  # 1 = recalled (every grade but Again)
    grade: int  # 1 Again, 2 Hard, 3 Good, 4 Easy; 0 unknown
    response_ms: float | None


STUDY_ROW_COLUMNS = StudyRow._fields
STUDYLOG_REQUIRED_COLUMNS = STUDY_ROW_COLUMNS  # an export holds at least every column of a study row

STUDYLOG_COLUMN_TYPES = {
    "learner": "string",  # a keyed pseudonym, never a user id or username
    "card": "string",  # the card's UUID
    "deck": "string",  # the deck's UUID
    "note_id": "string",  # the UUID of the card's note (the cards of one note share it)
    "note_type": "string",  # the note's type: Basic, Cloze, or a user's own type's name
    "template": "string",  # the card's template ("Card 1", "Card 2"), or "Cloze <n>" for a cloze note's card
    "shown_at": "timestamp",
    "answered_at": "timestamp",
    "outcome": "int8",  # 1 = recalled (every grade but Again)
    "grade": "int8",  # 1 Again, 2 Hard, 3 Good, 4 Easy
    "response_ms": "int64",
    "policy": "string",
    "concepts": "string",  # the card's tags joined by CONCEPT_SEPARATOR
    "model_version": "string",  # optional: the model whose prediction chose the card
    "predicted_recall": "float64",  # optional: that model's P(recall) at show time
    "selection_probability": "float64",  # optional
    "card_text": "string",  # optional: front and back
}

PREDICTION_COLUMNS = ("model_version", "predicted_recall", "selection_probability")
CARD_TEXT_COLUMNS = ("card_text",)

CONCEPT_SEPARATOR = "|"

# The FSRS optimizer's review log (github.com/open-spaced-repetition/fsrs-optimizer):
# review_time in milliseconds since the epoch (UTC), review_rating 1-4, review_state
# 0 New, 1 Learning, 2 Review, 3 Relearning, review_duration in milliseconds.
REVLOG_COLUMN_TYPES = {
    "card_id": "string",
    "review_time": "int64",
    "review_rating": "int8",
    "review_state": "int8",
    "review_duration": "int64",
}
REVLOG_REQUIRED_COLUMNS = ("card_id", "review_rating", "review_time", "review_duration")


def studylog_columns(*, include_predictions: bool, include_card_text: bool) -> tuple[str, ...]:
    """The export's columns in file order, without the optional groups that were not asked for."""
    left_out = (() if include_predictions else PREDICTION_COLUMNS) + (() if include_card_text else CARD_TEXT_COLUMNS)
    return tuple(name for name in STUDYLOG_COLUMN_TYPES if name not in left_out)
