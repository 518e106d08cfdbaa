"""API endpoints for studying: the next card of a deck, and submitting an answer (idempotent by log_uuid)."""

import uuid

from django.http import JsonResponse
from django.utils import timezone

from apps.accounts.api_auth import ApiError, api_endpoint, json_body
from apps.accounts.services import learner_settings_get_or_create
from apps.cards.access import card_for_study, deck_for_study
from apps.study.models import ShownCard, StudyLog
from apps.study.selectors import study_outlook
from apps.study.services import AnswerRejected, shown_card_choose_next, study_log_record_and_show_next


def _uuid_field(body: dict, name: str, *, required: bool) -> uuid.UUID | None:
    value = body.get(name)
    if value is None:
        if required:
            raise ApiError(f"{name} is required")
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ApiError(f"{name} must be a UUID, got {value!r}") from None


NOTHING_CHOSEN_REASON = "The scheduling policy chose no card of this deck now."


def nothing_to_show_json(*, learner, deck) -> dict:
    """Why no card comes, and when the next one is due: the study page's words (``StudyOutlook``)."""
    learner_settings = learner_settings_get_or_create(user=learner)
    outlook = study_outlook(learner=learner, deck=deck, learner_settings=learner_settings, now=timezone.now())
    next_card_at = outlook.next_card_at
    return {
        "card": None,
        "reason": outlook.why_nothing or NOTHING_CHOSEN_REASON,
        "next_card_at": None if next_card_at is None else next_card_at.isoformat(),
    }


def shown_card_json(shown: ShownCard | None, *, learner, deck) -> dict:
    if shown is None:
        return nothing_to_show_json(learner=learner, deck=deck)
    card = shown.card
    return {
        "card": {"id": str(card.uuid), "front": card.front, "back": card.back, "tags": card.tags},
        "shown_id": str(shown.uuid),
        "shown_at": shown.shown_at.isoformat(),
        "policy": shown.policy,
        "model_version": shown.model_version,
        "predicted_recall": shown.predicted_recall,
        "selection_probability": shown.selection_probability,
    }


def study_log_json(log: StudyLog) -> dict:
    return {
        "log_uuid": str(log.log_uuid),
        "card": str(log.card.uuid),
        "grade": log.grade,
        "outcome": log.outcome,
        "response_ms": log.response_ms,
        "shown_at": log.shown_at.isoformat(),
        "answered_at": log.answered_at.isoformat(),
        "policy": log.policy,
        "model_version": log.model_version,
        "predicted_recall": log.predicted_recall,
    }


@api_endpoint("GET")
def next_card(request, deck_uuid):
    deck = deck_for_study(request.user, deck_uuid)
    return JsonResponse(shown_card_json(shown_card_choose_next(learner=request.user, deck=deck), learner=request.user, deck=deck))


@api_endpoint("POST")
def answer_create(request):
    """Record an answer and return the deck's next card; a repeated log_uuid returns the first log (200)."""
    body = json_body(request)
    log_uuid = _uuid_field(body, "log_uuid", required=True)
    card_uuid = _uuid_field(body, "card", required=True)
    shown_uuid = _uuid_field(body, "shown_id", required=False)
    card = card_for_study(request.user, card_uuid)
    try:
        log, created, following = study_log_record_and_show_next(
            learner=request.user,
            card=card,
            log_uuid=log_uuid,
            grade=body.get("grade"),
            response_ms=body.get("response_ms"),
            shown_uuid=shown_uuid,
        )
    except AnswerRejected as rejection:
        raise ApiError(rejection.reason, status=rejection.status) from None
    following_json = shown_card_json(following, learner=request.user, deck=card.deck)
    return JsonResponse({"log": study_log_json(log), "next": following_json}, status=201 if created else 200)
