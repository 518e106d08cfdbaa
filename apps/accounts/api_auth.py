"""The JSON API's authentication: a bearer token (``Authorization: Bearer <token>``) names the user."""

from django.http import JsonResponse
from ninja import Schema
from ninja.security import HttpBearer

from apps.accounts.selectors import api_token_find
from apps.accounts.services import api_token_touch

AUTHENTICATION_REQUIRED = "authentication required: send 'Authorization: Bearer <token>'"


class ApiErrorOut(Schema):
    """What every refusal carries: a reason a person can read."""

    error: str


def json_error(reason: str, *, status: int) -> JsonResponse:
    """Every API refusal: ``{"error": reason}`` with its status."""
    return JsonResponse({"error": reason}, status=status)


class BearerToken(HttpBearer):
    """An active user's unexpired, unrevoked API token; the request then acts as that user."""

    def authenticate(self, request, token: str):
        api_token = api_token_find(raw_key=token.strip()) if token.strip() else None
        if api_token is None:
            return None
        api_token_touch(token=api_token)
        request.user = api_token.user
        return api_token.user
