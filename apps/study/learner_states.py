"""Each learner's student-model state on a deck, kept per process and brought up to date with one query.

Rebuilding a learner's ``LearnerState`` from the whole study log costs a query for
every row and a replay (about 40 ms for 5,000 reviews). The state depends only on the
learner's live logs in order, so it is kept here, keyed by (learner, deck, model
version), and each request reads only what happened since: one query returns the last
log the state has applied (the anchor) and every log newer than any it has seen, with
the number of live logs. They are applied with ``LearnerState.record`` to a copy (a
state being scored by another thread is never changed) when nothing else happened:

- the anchor is still there, still live and still the newest log already applied;
- every new log answers a card the state knows, no earlier than the anchor;
- the live logs are exactly those applied plus the new live ones, so no older log was
  undone and none committed late with a smaller id.

Otherwise, and when the entry is missing, its model is not the one serving now (a
new version, or the same version loaded again), or a candidate is a card the state
has no id for, the state is rebuilt from the whole log. A card's text edited after
the state was built keeps its old embedding until the next rebuild.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Sequence

from django.db.models import Count, Q, Subquery

from apps.cards.models import Deck
from apps.study.models import StudyLog
from apps.study.student_model import ServedModel, TableBuilder
from knowledge_tracing.data.columns import STUDY_ROW_COLUMNS, StudyRow
from knowledge_tracing.history.learner_state import LearnerState
from knowledge_tracing.models import StudentModel

MAX_KEPT_STATES = 256
LEARNER = 0  # the learner's id in the one-learner tables the states are built from


@dataclass(frozen=True)
class KeptLearnerState:
    """A learner's state on a deck for one fitted model, and how far into the log it has read.

    ``item_of_card`` maps card ids to the state's dense item ids (those of the table it
    was built from); ``anchor`` is the id and answer time of the newest live log
    applied (None before the first); ``seen_up_to`` the largest log id read, live or
    not; ``live_logs`` how many live logs the state has applied.
    """

    model: StudentModel
    state: LearnerState
    item_of_card: dict[int, int]
    anchor: tuple[int, float] | None
    seen_up_to: int
    live_logs: int


_kept: OrderedDict[tuple, KeptLearnerState] = OrderedDict()
_kept_lock = threading.Lock()


def learner_state_current(
    *, learner, deck: Deck, served: ServedModel, card_ids: Sequence[int], table_builder: TableBuilder
) -> KeptLearnerState:
    """The learner's state after all their live logs on ``deck``, with an id for every card of ``card_ids``."""
    key = (learner.pk, deck.uuid, served.version)
    with _kept_lock:
        kept = _kept.get(key)
    current = None
    if kept is not None and kept.model is served.model and all(card_id in kept.item_of_card for card_id in card_ids):
        current = _brought_up_to_date(kept, learner=learner, deck=deck)
    if current is None:
        current = _rebuilt(learner=learner, deck=deck, model=served.model, card_ids=card_ids, table_builder=table_builder)
    with _kept_lock:
        _kept[key] = current
        _kept.move_to_end(key)
        while len(_kept) > MAX_KEPT_STATES:
            _kept.popitem(last=False)
    return current


def learner_states_forget() -> None:
    """Drop every kept state (the next request of each learner rebuilds it)."""
    with _kept_lock:
        _kept.clear()


def _rebuilt(*, learner, deck: Deck, model: StudentModel, card_ids, table_builder: TableBuilder) -> KeptLearnerState:
    """The state replayed from all the learner's logs on the deck (one query), as a fresh request builds it."""
    logs = list(
        StudyLog.objects.filter(learner=learner, deck=deck)
        .order_by("answered_at", "id")
        .values_list(*STUDY_ROW_COLUMNS, "pk", "undo")
    )
    live = [log for log in logs if log[-1] is None]
    history = table_builder([log[: len(STUDY_ROW_COLUMNS)] for log in live], list(card_ids))
    return KeptLearnerState(
        model=model,
        state=model.learner_state(history, LEARNER),
        item_of_card={int(card_id): item for item, card_id in enumerate(history.item_keys)},
        anchor=_anchor_of(live[-1]) if live else None,
        seen_up_to=max((log[-2] for log in logs), default=0),
        live_logs=len(live),
    )


def _brought_up_to_date(kept: KeptLearnerState, *, learner, deck: Deck) -> KeptLearnerState | None:
    """``kept`` with the logs written since applied, or None when only a rebuild is right (see the module doc)."""
    live_logs = StudyLog.objects.live().filter(learner=learner, deck=deck).order_by().values("learner")
    newer_or_anchor = Q(pk__gt=kept.seen_up_to)
    if kept.anchor is not None:
        newer_or_anchor |= Q(pk=kept.anchor[0])
    rows = list(
        StudyLog.objects.filter(newer_or_anchor, learner=learner, deck=deck)
        .annotate(live_logs=Subquery(live_logs.annotate(count=Count("pk")).values("count")))
        .order_by("answered_at", "id")
        .values_list(*STUDY_ROW_COLUMNS, "pk", "undo", "live_logs")
    )
    if not rows:
        return kept if kept.anchor is None else None
    live_count = rows[0][-1]
    if kept.anchor is not None:
        if _anchor_of(rows[0]) != kept.anchor or rows[0][-2] is not None:
            return None
        rows = rows[1:]
    new_live = [row for row in rows if row[-2] is None]
    if live_count != kept.live_logs + len(new_live) or any(int(row[1]) not in kept.item_of_card for row in new_live):
        return None
    state = kept.state.copy() if new_live else kept.state
    for _, card_id, answered_at, outcome, grade, response_ms, *_ in new_live:
        state.record(kept.item_of_card[int(card_id)], answered_at.timestamp(), int(outcome), int(grade), float(response_ms))
    return KeptLearnerState(
        model=kept.model,
        state=state,
        item_of_card=kept.item_of_card,
        anchor=_anchor_of(new_live[-1]) if new_live else kept.anchor,
        seen_up_to=max([kept.seen_up_to] + [row[-3] for row in rows]),
        live_logs=live_count,
    )


def _anchor_of(log: tuple) -> tuple[int, float]:
    """(id, answer time) of a log row (``STUDY_ROW_COLUMNS``, then the id)."""
    return log[len(STUDY_ROW_COLUMNS)], StudyRow(*log[: len(STUDY_ROW_COLUMNS)]).answered_at.timestamp()
