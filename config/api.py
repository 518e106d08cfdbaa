"""The JSON API, version 1: one django-ninja instance that routes, validates, and serves its OpenAPI schema and docs.

django-ninja derives the OpenAPI 3 schema (``/api/v1/openapi.json``) and the Swagger UI
(``/api/v1/docs``, served from ninja's own static files, no CDN) from the endpoints' type
hints and schemas, so the description cannot drift from the code. Mnemo's errors keep one
shape everywhere: ``{"error": reason}`` with a 4xx status, never ninja's ``{"detail": ...}``.
"""

import json
from datetime import datetime

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from apps.accounts.api import router as accounts_router
from apps.accounts.api_auth import AUTHENTICATION_REQUIRED, BearerToken, json_error
from apps.cards.api import router as cards_router
from apps.study.api import router as study_router


class BodyRefused(ValueError):
    """A request body the API will not parse; ``status`` is the answer's status."""

    def __init__(self, reason: str, *, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class JsonObjectParser(Parser):
    """Bodies are JSON objects; malformed and too deeply nested ones are refused with a reason."""

    def parse_body(self, request):
        try:
            body = json.loads(request.body)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise BodyRefused(f"body is not valid JSON: {error}") from error
        except RecursionError:
            raise BodyRefused("body is nested too deeply") from None
        if not isinstance(body, dict):
            raise BodyRefused("body must be a JSON object")
        return body


class FullPrecisionEncoder(NinjaJSONEncoder):
    """Times in full ISO 8601 with microseconds: Django's encoder would cut them to milliseconds, and logs are ordered by them."""

    def default(self, o):
        return o.isoformat() if isinstance(o, datetime) else super().default(o)


class JsonRenderer(JSONRenderer):
    encoder_class = FullPrecisionEncoder


class MnemoApi(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        """Each operation's id is its view's name (``answer_create``), which is also its URL name."""
        return operation.view_func.__name__


api = MnemoApi(
    title="Mnemo API",
    version="1",
    description="Study Mnemo decks from any client. Authenticate with a bearer token from `POST /api/v1/auth/token`.",
    auth=BearerToken(),
    parser=JsonObjectParser(),
    renderer=JsonRenderer(),
    urls_namespace="api",
)
api.add_router("", accounts_router)
api.add_router("", cards_router)
api.add_router("", study_router)


def _field_problem(error: dict) -> str:
    """``grade: Input should be ...``: the field's name as the client sent it, then what is wrong with it."""
    source, *path = error["loc"]
    field = ".".join(str(part) for part in (path[1:] if source == "body" else path))
    return f"{field} is required" if error["type"] == "missing" else f"{field}: {error['msg']}"


@api.exception_handler(ValidationError)
def _invalid_input(request, exc):
    return json_error("; ".join(_field_problem(error) for error in exc.errors), status=400)


@api.exception_handler(HttpError)
def _http_error(request, exc):
    # ninja wraps whatever the parser raises as a 400 "Cannot parse request body"; the parser's own reason is kept.
    cause = exc.__cause__
    if isinstance(cause, BodyRefused):
        return json_error(cause.reason, status=cause.status)
    return json_error(str(exc), status=exc.status_code)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    response = json_error(AUTHENTICATION_REQUIRED, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(Http404)
def _not_found(request, exc):
    return json_error("not found", status=404)


@api.exception_handler(RequestDataTooBig)
def _too_large(request, exc):
    return json_error(f"body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes", status=413)
