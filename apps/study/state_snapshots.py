"""A card state as JSON, kept on each answer's log so that undoing the answer restores exactly what it replaced.

The due date an answer stores comes from the computation that schedules
(``schedule.grade_schedule``: the preset's steps, the served model's interval, the
workload tools), which depends on the model served and the learner's other due cards
at that moment; replaying the logs through FSRS alone would not give it back. So the
state before each answer is written on the log (``StudyLog.state_before``) and an undo
puts it back. Datetimes are ISO strings with their microseconds, so the round trip is exact.
"""

from datetime import datetime

from apps.study.models import CardState

DATETIME_FIELDS = ("due_at", "last_review_at", "first_studied_at")
OTHER_FIELDS = ("state", "step", "stability", "difficulty", "reps", "lapses")
NEVER_STUDIED: dict = {}


def card_state_snapshot(state: CardState | None) -> dict:
    """``state`` as a JSON object; ``NEVER_STUDIED`` (empty) for a card not studied before."""
    if state is None:
        return dict(NEVER_STUDIED)
    return {
        **{name: getattr(state, name) for name in OTHER_FIELDS},
        **{name: getattr(state, name).isoformat() for name in DATETIME_FIELDS},
    }


def card_state_restore(state: CardState, snapshot: dict) -> None:
    """Set ``state``'s fields from a non-empty ``snapshot`` (``card_state_snapshot``), in place."""
    for name in OTHER_FIELDS:
        setattr(state, name, snapshot[name])
    for name in DATETIME_FIELDS:
        setattr(state, name, datetime.fromisoformat(snapshot[name]))
