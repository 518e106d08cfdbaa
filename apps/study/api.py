"""API endpoints for studying: the next card of a deck, and submitting an answer (idempotent by log_uuid)."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import BeforeValidator, StrictInt

from apps.accounts.api_auth import ApiErrorOut
from apps.cards.access import card_for_study, deck_for_study
from apps.study.models import ShownCard, StudyLog
from apps.study.presets import deck_preset, deck_presets_remembered
from apps.study.schedule import interval_words, shown_card_schedule
from apps.study.selectors import study_outlook
from apps.study.services import (
    MAX_RESPONSE_MS,
    AnswerRejected,
    shown_card_choose_next,
    studied_deck,
    study_log_record_and_show_next,
)

router = Router(tags=["study"])

NOTHING_CHOSEN_REASON = "The scheduling policy chose no card of this deck now."


class CardOut(Schema):
    id: UUID
    front: str = Field(description="The card's question, rendered from its note: Markdown and HTML, unsanitised.")
    back: str = Field(description="What the answer adds under the front, rendered from the note the same way.")
    tags: list[str]


class ShownCardOut(Schema):
    """A card shown to the learner now: answer it with ``shown_id``."""

    card: CardOut
    shown_id: UUID
    shown_at: datetime
    policy: str = Field(description="The scheduling policy that chose the card.")
    model_version: str | None = Field(description="The served model whose recall prediction the policy read, if any.")
    predicted_recall: float | None
    selection_probability: float | None
    chosen_by: str = Field(description="What chose the card, in the words the study page shows (\"FSRS due order, target 90%, ...\").")
    intervals: dict[str, str] = Field(
        description="Per grade (\"1\" Again ... \"4\" Easy), when the card comes back if answered now with it, as the grade "
        "buttons write it: \"<1m\", \"10m\", \"3d\", \"2.5mo\".",
    )
    due_at_by_grade: dict[str, datetime] = Field(
        description="Per grade, the due time an answer now with that grade stores (the computation that schedules the answer).",
    )


class NothingToShow(Schema):
    """No card now: why, and when the next one is due."""

    card: None
    reason: str
    next_card_at: datetime | None


def _whole_float_as_int(value):
    """1138.0 is the integer 1138 in JSON (and in the schema's ``integer``); strings and booleans still are not."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


WholeNumber = Annotated[StrictInt, BeforeValidator(_whole_float_as_int)]
"""A JSON integer as JSON Schema defines it: a number with no fractional part, written ``3`` or ``3.0``."""


class AnswerIn(Schema):
    log_uuid: UUID = Field(description="Made by the client; sending the same answer again stores it once.")
    card: UUID
    grade: WholeNumber = Field(ge=StudyLog.Grade.AGAIN, le=StudyLog.Grade.EASY, description="1 Again, 2 Hard, 3 Good, 4 Easy.")
    response_ms: WholeNumber = Field(ge=0, le=MAX_RESPONSE_MS, description="Milliseconds from showing to answering.")
    shown_id: UUID | None = Field(None, description="The showing answered; without it, the card's latest unanswered showing.")


class StudyLogOut(Schema):
    log_uuid: UUID
    card: UUID
    grade: int
    outcome: bool
    response_ms: int
    shown_at: datetime
    answered_at: datetime
    policy: str
    model_version: str | None
    predicted_recall: float | None


class AnswerOut(Schema):
    log: StudyLogOut
    next: ShownCardOut | NothingToShow


def nothing_to_show_out(*, learner, deck) -> dict:
    """Why no card comes, and when the next one is due: the study page's words (``StudyOutlook``)."""
    outlook = study_outlook(learner=learner, deck=deck, preset=deck_preset(deck), now=timezone.now())
    return {"card": None, "reason": outlook.why_nothing or NOTHING_CHOSEN_REASON, "next_card_at": outlook.next_card_at}


def shown_card_out(shown: ShownCard | None, *, learner, deck) -> dict:
    if shown is None:
        return nothing_to_show_out(learner=learner, deck=deck)
    card = shown.card
    now = timezone.now()
    due_at = shown_card_schedule(shown, now=now).due_at
    return {
        "card": {"id": card.uuid, "front": card.front, "back": card.back, "tags": card.tags},
        "shown_id": shown.uuid,
        "shown_at": shown.shown_at,
        "policy": shown.policy,
        "model_version": shown.model_version,
        "predicted_recall": shown.predicted_recall,
        "selection_probability": shown.selection_probability,
        "chosen_by": shown.chosen_by,
        "intervals": {str(grade): interval_words((due - now).total_seconds()) for grade, due in due_at.items()},
        "due_at_by_grade": {str(grade): due for grade, due in due_at.items()},
    }


def study_log_out(log: StudyLog) -> dict:
    return {
        "log_uuid": log.log_uuid,
        "card": log.card.uuid,
        "grade": log.grade,
        "outcome": log.outcome,
        "response_ms": log.response_ms,
        "shown_at": log.shown_at,
        "answered_at": log.answered_at,
        "policy": log.policy,
        "model_version": log.model_version,
        "predicted_recall": log.predicted_recall,
    }


@router.get(
    "/decks/{uuid:deck_uuid}/next",
    response={200: ShownCardOut | NothingToShow, 401: ApiErrorOut, 404: ApiErrorOut},
    url_name="next_card",
    summary="Next card of a deck",
)
def next_card(request, deck_uuid: UUID):
    """The card the learner's scheduling policy chooses now, or why there is none; 404 for a deck the user may not study."""
    deck = deck_for_study(request.user, deck_uuid)
    with deck_presets_remembered():
        return shown_card_out(shown_card_choose_next(learner=request.user, deck=deck), learner=request.user, deck=deck)


@router.post(
    "/answers",
    response={200: AnswerOut, 201: AnswerOut, 400: ApiErrorOut, 401: ApiErrorOut, 404: ApiErrorOut, 409: ApiErrorOut, 413: ApiErrorOut},
    url_name="answer_create",
    summary="Answer a card",
)
def answer_create(request, answer: AnswerIn):
    """Record an answer and return the deck's next card: 201 when stored, 200 when ``log_uuid`` was already stored."""
    card = card_for_study(request.user, answer.card)
    with deck_presets_remembered():
        try:
            log, created, following = study_log_record_and_show_next(
                learner=request.user,
                card=card,
                log_uuid=answer.log_uuid,
                grade=answer.grade,
                response_ms=answer.response_ms,
                shown_uuid=answer.shown_id,
            )
        except AnswerRejected as rejection:
            raise HttpError(rejection.status, rejection.reason) from None
        following_out = shown_card_out(following, learner=request.user, deck=studied_deck(log))
    return Status(201 if created else 200, {"log": study_log_out(log), "next": following_out})
