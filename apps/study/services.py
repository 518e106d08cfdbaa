"""Writes for studying: sessions, choosing and showing the next card, recording answers, undo.

``shown_card_choose_next`` is the one place that builds the learner's candidates and
asks the configured scheduling policy; ``study_log_record`` is the one place that
turns an answer into an append-only StudyLog and updates the learner's CardState in
the same transaction (``study_log_record_and_show_next`` also chooses the next card
in it, for the API).
"""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.services import learner_settings_get_or_create
from apps.cards.models import Card, Deck
from apps.study.answer_sql import showing_locked
from apps.study.fsrs_state import preset_scheduler, replay_answers
from apps.study.mark_services import card_siblings_bury, card_siblings_unbury
from apps.study.models import CardState, ShownCard, StudyLog, StudyLogUndo, StudySession
from apps.study.schedule import card_state_answer
from apps.study.policies import choose_next_card, scheduling_plan
from apps.study.presets import deck_preset
from apps.study.selectors import cards_excluded_from_study, pending_shown_card, session_answered_count, study_candidates
from apps.study.state_snapshots import NEVER_STUDIED, card_state_restore, card_state_snapshot

MAX_RESPONSE_MS = 24 * 3600 * 1000
CONCURRENT_ANSWER_REASON = "another answer to this card was recorded at the same moment; ask for the next card"


class AnswerRejected(ValueError):
    """An answer that cannot be recorded; ``status`` is the HTTP status the API answers with."""

    def __init__(self, reason: str, *, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def study_session_start(
    *, learner, deck: Deck, now: datetime | None = None, kind: str = StudySession.Kind.REGULAR, new_limit: int | None = None
) -> StudySession:
    now = now or timezone.now()
    planned = learner_settings_get_or_create(user=learner).cards_per_session
    return StudySession.objects.create(
        learner=learner, deck=deck, planned_cards=planned, started_at=now, last_activity_at=now, kind=kind, new_limit=new_limit
    )


def study_session_resume_or_start(*, learner, deck: Deck, now: datetime | None = None) -> StudySession:
    """The learner's unfinished session of ``deck`` (active within ``MNEMO_SESSION_IDLE_MINUTES``), else a new one."""
    now = now or timezone.now()
    idle_since = now - timedelta(minutes=settings.MNEMO_SESSION_IDLE_MINUTES)
    unfinished = StudySession.objects.filter(
        learner=learner, deck=deck, kind=StudySession.Kind.REGULAR, ended_at__isnull=True, last_activity_at__gte=idle_since
    )
    return unfinished.order_by("-last_activity_at", "-id").first() or study_session_start(learner=learner, deck=deck, now=now)


def study_session_finish(*, session: StudySession, now: datetime | None = None) -> StudySession:
    """End the session (idempotent)."""
    if session.ended_at is None:
        session.ended_at = now or timezone.now()
        session.save(update_fields=["ended_at"])
    return session


def study_sessions_close_idle(*, idle_for: timedelta, now: datetime | None = None) -> int:
    """End every open session without activity for ``idle_for``; return how many were ended."""
    now = now or timezone.now()
    return StudySession.objects.filter(ended_at__isnull=True, last_activity_at__lt=now - idle_for).update(ended_at=now)


def shown_card_choose_next(
    *,
    learner,
    deck: Deck,
    session: StudySession | None = None,
    policy_name: str | None = None,
    now: datetime | None = None,
    none_pending: bool = False,
) -> ShownCard | None:
    """The card to show next, recorded with the decision that chose it; None when nothing is left today.

    A card shown and not answered yet (a reload, a second API call) is shown again
    rather than choosing another; ``none_pending`` skips that look-up for a caller
    that already knows there is none. The policy and model come from
    ``scheduling_plan`` (an experiment's arm, else the default policy); a model that
    fails to score falls back to FSRS due order (``choose_next_card``).
    """
    pending = None if none_pending else pending_shown_card(learner=learner, deck=deck, session=session)
    if pending is not None:
        return pending
    now = now or timezone.now()
    preset = deck_preset(deck)
    candidates = study_candidates(learner=learner, deck=deck, preset=preset, now=now, session=session)
    plan = scheduling_plan(learner=learner, deck=deck, policy_name=policy_name, now=now)
    choice = choose_next_card(plan, candidates, learner=learner, deck=deck, target_retention=preset.target_retention, now=now)
    if choice.decision is None:
        return None
    return ShownCard.objects.create(
        learner=learner,
        card_id=int(choice.decision.card_id),
        deck=deck,
        session=session,
        shown_at=now,
        policy=choice.decision.policy,
        model_version=choice.model_version,
        predicted_recall=choice.decision.predicted_recall,
        selection_probability=choice.decision.probability,
        fallback_reason=choice.fallback_reason,
        target_retention=preset.target_retention,
    )


def _validated_grade(grade) -> int:
    if isinstance(grade, bool) or not isinstance(grade, int) or not 1 <= grade <= 4:
        raise AnswerRejected(f"grade must be an integer from 1 (Again) to 4 (Easy), got {grade!r}")
    return grade


def _validated_response_ms(response_ms) -> int:
    if isinstance(response_ms, bool) or not isinstance(response_ms, int) or not 0 <= response_ms <= MAX_RESPONSE_MS:
        raise AnswerRejected(f"response_ms must be an integer from 0 to {MAX_RESPONSE_MS}, got {response_ms!r}")
    return response_ms


def _shown_to_answer(*, learner, card: Card, shown_uuid: uuid.UUID | None) -> ShownCard:
    """The showing this answer is for, locked: the one named, else the card's latest pending API showing.

    ``answered`` is written under this lock, so an answer committed while this one
    waited for it is seen here; the unique showing of a log refuses a duplicate at
    insert time as well (see ``study_log_record``). The same query says whether
    another API showing of the deck is pending (``another_api_showing_pending``), so
    choosing the API's next card after this answer needs no look-up of its own.
    """
    excluded = cards_excluded_from_study(learner=learner, now=timezone.now())
    shown = showing_locked(learner_id=learner.pk, card=card, shown_uuid=shown_uuid, excluded=excluded)
    if shown is None and shown_uuid is not None:
        raise AnswerRejected("this card was not shown to you with that shown_id", status=404)
    if shown is None:
        raise AnswerRejected("this card has not been shown to you; ask for the next card first", status=409)
    if shown.answered:
        raise AnswerRejected("this showing of the card has already been answered", status=409)
    return shown


def _existing_log(*, learner, log_uuid: uuid.UUID) -> StudyLog | None:
    existing = StudyLog.objects.filter(log_uuid=log_uuid).first()
    if existing is not None and existing.learner_id != learner.pk:
        raise AnswerRejected("log_uuid is already used", status=409)
    return existing


def study_log_record(
    *,
    learner,
    card: Card,
    log_uuid: uuid.UUID,
    grade: int,
    response_ms: int,
    shown_uuid: uuid.UUID | None = None,
    now: datetime | None = None,
) -> tuple[StudyLog, bool]:
    """Record an answer; return (log, created). The same ``log_uuid`` again returns the first log.

    The log copies the decision made when the card was shown; the learner's CardState
    is updated with the FSRS-6 scheduler in the same transaction. A new answer costs no
    look-up of ``log_uuid``: the earlier log is looked for only when the answer is
    refused (a retry is refused by the unique ``log_uuid`` or by its already answered
    showing), so a repeated ``log_uuid`` still returns the first log whatever else it sends.
    """
    log, created, _ = _record_or_find(
        learner=learner, card=card, log_uuid=log_uuid, grade=grade, response_ms=response_ms,
        shown_uuid=shown_uuid, now=now or timezone.now(), show_next=False,
    )
    return log, created


def study_log_record_and_show_next(
    *, learner, card: Card, log_uuid: uuid.UUID, grade: int, response_ms: int, shown_uuid: uuid.UUID | None = None
) -> tuple[StudyLog, bool, ShownCard | None]:
    """``study_log_record``, then the studied deck's next card (``shown_card_choose_next``): (log, created, next).

    A new answer and the showing chosen after it are written in one transaction, so
    the answer costs one commit (one WAL flush) rather than two. The choice runs in a
    savepoint: should it fail, the answer is committed all the same and the failure is
    raised afterwards, so the client's retry with the same ``log_uuid`` finds the answer
    recorded and gets the next card chosen then.
    """
    log, created, following = _record_or_find(
        learner=learner, card=card, log_uuid=log_uuid, grade=grade, response_ms=response_ms,
        shown_uuid=shown_uuid, now=timezone.now(), show_next=True,
    )
    if not created:
        following = shown_card_choose_next(learner=learner, deck=studied_deck(log))
    return log, created, following


def studied_deck(log: StudyLog) -> Deck:
    """The deck whose study showed the log's card (a parent of the card's deck, when a parent deck was studied)."""
    return log.shown.deck if log.shown_id is not None else log.card.deck


def _record_or_find(
    *, learner, card, log_uuid, grade, response_ms, shown_uuid, now, show_next: bool
) -> tuple[StudyLog, bool, ShownCard | None]:
    """(log, created, the next showing when ``show_next``, chosen in the answer's transaction).

    ``log.shown`` is the showing ``_shown_to_answer`` locked, which knows whether
    another API showing is pending.
    """
    try:
        grade, response_ms = _validated_grade(grade), _validated_response_ms(response_ms)
        with transaction.atomic():
            log = _record_answer(
                learner=learner, card=card, log_uuid=log_uuid, grade=grade, response_ms=response_ms,
                shown_uuid=shown_uuid, now=now,
            )
            following, choice_failure = None, None
            if show_next:
                following, choice_failure = _choose_keeping_the_answer(learner=learner, log=log)
    except (AnswerRejected, IntegrityError) as refusal:
        existing = _existing_log(learner=learner, log_uuid=log_uuid)
        if existing is not None:
            return existing, False, None
        if isinstance(refusal, IntegrityError):
            raise AnswerRejected(CONCURRENT_ANSWER_REASON, status=409) from refusal
        raise
    if choice_failure is not None:
        raise choice_failure
    return log, True, following


def _choose_keeping_the_answer(*, learner, log: StudyLog) -> tuple[ShownCard | None, Exception | None]:
    """(the next showing, None), or (None, the failure) with the choice's writes rolled back.

    Any failure of the scheduler (a model that cannot be read, a database error) is
    caught here only to be raised once the answer is committed: a learner's answer
    never depends on the choice of the card after it.
    """
    try:
        with transaction.atomic():
            return shown_card_choose_next(
                learner=learner, deck=log.shown.deck, none_pending=not log.shown.another_api_showing_pending
            ), None
    except Exception as failure:
        return None, failure


def _record_answer(*, learner, card, log_uuid, grade, response_ms, shown_uuid, now) -> StudyLog:
    shown = _shown_to_answer(learner=learner, card=card, shown_uuid=shown_uuid)
    shown.card = card  # the card answered, already read: its schedule needs not read it again
    learner_settings = learner_settings_get_or_create(user=learner)
    state = CardState.objects.select_for_update().filter(learner=learner, card=card).first()
    existing = state is not None
    state_before = card_state_snapshot(state)
    if state is None:
        state = CardState(learner=learner, card=card, deck_id=card.deck_id)
    card_state_answer(state=state, existing=existing, shown=shown, grade=grade, answered_at=now, learner_settings=learner_settings)
    state.save()
    shown.answered = True
    shown.save(update_fields=["answered"])
    log = StudyLog.objects.create(
        log_uuid=log_uuid,
        learner=learner,
        card=card,
        deck_id=card.deck_id,
        session_id=shown.session_id,
        shown=shown,
        shown_at=shown.shown_at,
        answered_at=now,
        response_ms=response_ms,
        outcome=grade > 1,
        grade=grade,
        policy=shown.policy,
        model_version=shown.model_version,
        predicted_recall=shown.predicted_recall,
        selection_probability=shown.selection_probability,
        state_before=state_before,
    )
    card_siblings_bury(log=log)
    if shown.session_id is not None:
        StudySession.objects.filter(pk=shown.session_id).update(last_activity_at=now)
    return log


def card_state_rebuild(*, learner, card: Card) -> CardState | None:
    """Recompute the learner's state of the card from their live logs (None when none is left)."""
    answers = list(
        StudyLog.objects.live().filter(learner=learner, card=card).order_by("answered_at", "id").values_list("grade", "answered_at")
    )
    state = CardState.objects.select_for_update().filter(learner=learner, card=card).first()
    if not answers:
        if state is not None:
            state.delete()
        return None
    state = state or CardState(learner=learner, card=card, deck_id=card.deck_id)
    replay_answers(state, answers, scheduler=preset_scheduler(deck_preset(card.deck)))
    state.save()
    return state


def card_state_before(log: StudyLog) -> CardState | None:
    """Put back the learner's state of the log's card as it was before the (just undone) answer; None when there was none.

    The state kept on the log (``state_snapshots``) is restored when the log was the
    card's latest answer, so the due date is again the one the scheduling computation
    gave (the model's interval, the workload tools), not FSRS's. When a later answer
    to the card is still live, or the log kept no state (imported history, answers
    recorded before states were kept), the state is replayed from the live logs with
    FSRS (``card_state_rebuild``).
    """
    later = StudyLog.objects.live().filter(learner_id=log.learner_id, card_id=log.card_id).filter(
        Q(answered_at__gt=log.answered_at) | Q(answered_at=log.answered_at, id__gt=log.id)
    )
    if log.state_before is None or later.exists():
        return card_state_rebuild(learner=log.learner, card=log.card)
    state = CardState.objects.select_for_update().filter(learner_id=log.learner_id, card_id=log.card_id).first()
    if log.state_before == NEVER_STUDIED:
        if state is not None:
            state.delete()
        return None
    state = state or CardState(learner_id=log.learner_id, card_id=log.card_id, deck_id=log.card.deck_id)
    card_state_restore(state, log.state_before)
    state.save()
    return state


@transaction.atomic
def study_log_undo_last(*, session: StudySession, now: datetime | None = None) -> StudyLog | None:
    """Undo the session's last live answer: mark it undone, restore the card's state and unbury the siblings it buried, show the card again.

    The card comes back with the decision that chose it originally. Returns the log
    undone (to say what was undone), or None when the session has no answer left to undo.
    """
    log = StudyLog.objects.live().filter(session=session).select_for_update(of=("self",)).order_by("-answered_at", "-id").first()
    if log is None:
        return None
    now = now or timezone.now()
    StudyLogUndo.objects.create(log=log, undone_at=now)
    card_state_before(log)
    card_siblings_unbury(log=log)
    session.ended_at = None
    session.last_activity_at = now
    session.save(update_fields=["ended_at", "last_activity_at"])
    ShownCard.objects.create(
        learner=session.learner,
        card=log.card,
        deck=session.deck,
        session=session,
        shown_at=now,
        policy=log.policy,
        model_version=log.model_version,
        predicted_recall=log.predicted_recall,
        selection_probability=log.selection_probability,
        fallback_reason=log.shown.fallback_reason,
        target_retention=log.shown.target_retention,
    )
    return log


def study_session_next(*, session: StudySession, now: datetime | None = None) -> ShownCard | None:
    """The session's next card, or None after finishing the session (planned cards done or nothing left)."""
    if session.ended_at is not None:
        return None
    if session_answered_count(session) < session.planned_cards:
        shown = shown_card_choose_next(learner=session.learner, deck=session.deck, session=session, now=now)
        if shown is not None:
            return shown
    study_session_finish(session=session, now=now)
    return None
