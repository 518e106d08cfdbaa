"""A learner's history from Anki: their answers as study logs, their cards' scheduling state and marks.

Called by ``apps.deck_io.services.deck_import_file`` next to the import of the notes and
cards (``import_services``): ``imported_history_prepare`` replays the review log into
FSRS card states before anything is written, ``anki_schedules_apply`` keeps the state Anki
gave each card, and inside the import's transaction ``imported_history_save`` and
``anki_marks_apply`` write them for the cards that were saved.

An Anki collection carries both the cards and the learner's study rows, so this module
and ``anki_export`` write and read ``study``'s rows from ``deck_io``, the app above
``cards`` and ``study`` (the layers in ``pyproject.toml``).
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from apps.cards.deck_files.records import CardRow, ReviewRow
from apps.cards.models import Card
from apps.study.fsrs_state import apply_answer, preset_scheduler
from apps.study.mark_services import card_bury, card_flag, card_suspend
from apps.study.models import IMPORTED_POLICY, CardMark, CardState, StudyLog
from apps.study.presets import preset_default_for
from apps.study.services import MAX_RESPONSE_MS
from knowledge_tracing.anki.records import LEARNING, NEW, RELEARNING, REVIEW

CARD_STATE = {LEARNING: CardState.State.LEARNING, REVIEW: CardState.State.REVIEW, RELEARNING: CardState.State.RELEARNING}
IMPORT_BATCH_SIZE = 2000
UNKNOWN_DIFFICULTY = 5.0  # the middle of FSRS's 1-10 scale, for a card Anki scheduled without FSRS and Mnemo never replayed


@dataclass
class ImportedHistory:
    """A learner's answers from another app, as unsaved study logs and card states keyed by the other app's card id."""

    logs: list[tuple[int, StudyLog]]
    states: dict[int, CardState]


def imported_history_prepare(*, learner, reviews: list[ReviewRow], on_progress=None) -> ImportedHistory:
    """Turn reviews into study logs and replay them into FSRS card states, before anything is written.

    The logs carry ``IMPORTED_POLICY``: no Mnemo policy chose these cards and no model
    predicted their recall, so evaluations of policies and models can leave them out while
    training still learns from the learner's real past. ``on_progress(done, total)`` is
    called every few thousand reviews.
    """
    scheduler = preset_scheduler(preset_default_for(learner))  # the imported deck is the learner's, with their Default preset
    history = ImportedHistory(logs=[], states={})
    ordered = sorted(reviews, key=lambda review: review.answered_at)
    for index, review in enumerate(ordered):
        response_ms = min(review.response_ms, MAX_RESPONSE_MS)
        log = StudyLog(
            log_uuid=uuid.uuid4(), learner=learner, shown_at=review.answered_at - timedelta(milliseconds=response_ms),
            answered_at=review.answered_at, response_ms=response_ms, outcome=review.grade > 1, grade=review.grade,
            policy=IMPORTED_POLICY,
        )
        history.logs.append((review.anki_card_id, log))
        state = history.states.get(review.anki_card_id)
        existing = state is not None
        if not existing:
            state = history.states[review.anki_card_id] = CardState(learner=learner)
        apply_answer(state, existing=existing, grade=review.grade, answered_at=review.answered_at, scheduler=scheduler)
        if on_progress is not None and index % IMPORT_BATCH_SIZE == 0:
            on_progress(index, len(ordered))
    return history


def imported_history_save(*, history: ImportedHistory, cards_by_key: dict[int, Card]) -> int:
    """Write the prepared logs and states for the now saved cards (inside the caller's transaction); return the log count."""
    for key, log in history.logs:
        log.card = cards_by_key[key]
        log.deck_id = log.card.deck_id
    for key, state in history.states.items():
        state.card = cards_by_key[key]
        state.deck_id = state.card.deck_id
    StudyLog.objects.bulk_create([log for _, log in history.logs], batch_size=IMPORT_BATCH_SIZE)
    CardState.objects.bulk_create(history.states.values(), batch_size=IMPORT_BATCH_SIZE)
    return len(history.logs)


def imported_history_of(history: ImportedHistory, cards_by_key: dict[int, Card]) -> ImportedHistory:
    """The history of the cards that were imported (a skipped note's cards leave theirs out)."""
    return ImportedHistory(
        logs=[(key, log) for key, log in history.logs if key in cards_by_key],
        states={key: state for key, state in history.states.items() if key in cards_by_key},
    )


def anki_marks_apply(*, learner, rows: list[CardRow], cards_by_key: dict[int, Card]) -> None:
    """Anki's suspended cards, buried cards (until the learner's next day, as Anki unburies) and flags become the learner's marks."""
    marked = [(row.schedule, cards_by_key[row.anki_card_id]) for row in rows if row.schedule is not None and row.anki_card_id in cards_by_key]
    suspended = [card for schedule, card in marked if schedule.suspended]
    buried = [card for schedule, card in marked if schedule.buried]
    if suspended:
        card_suspend(learner=learner, cards=suspended)
    if buried:
        card_bury(learner=learner, cards=buried)
    for flag in CardMark.Flag:
        flagged = [card for schedule, card in marked if schedule.flag == flag and flag != CardMark.Flag.NONE]
        if flagged:
            card_flag(learner=learner, cards=flagged, flag=flag)


def anki_schedules_apply(*, history: ImportedHistory, learner, rows: list[CardRow]) -> None:
    """Each studied card keeps the state Anki gave it (due, state, reps, lapses, FSRS memory when present).

    The replayed answers give the state where Anki lacks one (stability and difficulty of
    a card scheduled without FSRS); a card Anki scheduled with no answer in its review
    log (a reschedule by hand) gets a state from Anki's alone.
    """
    for row in rows:
        schedule = row.schedule
        if schedule is None or schedule.state == NEW or schedule.due_at is None:
            continue
        state = history.states.get(row.anki_card_id)
        if state is None:
            state = history.states[row.anki_card_id] = CardState(learner=learner, stability=None, difficulty=None, step=None)
        last_review = (schedule.memory.last_review_at if schedule.memory else None) or state.last_review_at
        if last_review is None:
            last_review = min(schedule.due_at, schedule.modified_at or schedule.due_at)
        state.state = CARD_STATE[schedule.state]
        state.step = (state.step or 0) if schedule.state in (LEARNING, RELEARNING) else None
        state.due_at = schedule.due_at
        state.last_review_at = last_review
        state.first_studied_at = state.first_studied_at or last_review
        state.reps, state.lapses = schedule.reps, schedule.lapses
        if schedule.memory is not None:
            state.stability, state.difficulty = schedule.memory.stability, schedule.memory.difficulty
        elif state.stability is None:
            state.stability, state.difficulty = float(max(schedule.interval_days, 1)), UNKNOWN_DIFFICULTY
