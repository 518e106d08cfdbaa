"""The JSON API's plumbing: bearer-token authentication and errors as 4xx JSON with a reason."""

import json
from functools import wraps

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from apps.accounts.selectors import api_token_find
from apps.accounts.services import api_token_touch


class ApiError(Exception):
    """A request the API refuses: answered as ``{"error": reason}`` with ``status``."""

    def __init__(self, reason: str, *, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def json_error(reason: str, *, status: int) -> JsonResponse:
    return JsonResponse({"error": reason}, status=status)


def json_body(request) -> dict:
    """The request body as a JSON object, or ApiError: 413 over the size limit, 400 if malformed or nested too deeply."""
    try:
        raw = request.body
    except RequestDataTooBig:
        raise ApiError(f"body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes", status=413) from None
    try:
        body = json.loads(raw or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ApiError(f"body is not valid JSON: {error}") from error
    except RecursionError:
        raise ApiError("body is nested too deeply") from None
    if not isinstance(body, dict):
        raise ApiError("body must be a JSON object")
    return body


def _bearer_key(request) -> str | None:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() in {"bearer", "token"} and key.strip():
        return key.strip()
    return None


def api_endpoint(*methods: str, authenticated: bool = True):
    """Decorate a JSON view: allowed methods, token auth (401 without), 404/ApiError as JSON."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                response = json_error(f"method {request.method} is not allowed here", status=405)
                response["Allow"] = ", ".join(methods)
                return response
            if authenticated:
                key = _bearer_key(request)
                token = api_token_find(raw_key=key) if key else None
                if token is None:
                    response = json_error("authentication required: send 'Authorization: Bearer <token>'", status=401)
                    response["WWW-Authenticate"] = 'Bearer realm="api"'
                    return response
                api_token_touch(token=token)
                request.user = token.user
            try:
                return view(request, *args, **kwargs)
            except Http404:
                return json_error("not found", status=404)
            except ApiError as error:
                return json_error(error.reason, status=error.status)

        return wrapper

    return decorate


@api_endpoint("GET", "POST", "PUT", "PATCH", "DELETE", authenticated=False)
def api_not_found(request, *args, **kwargs):
    """Any unknown /api/ URL: a JSON 404 rather than an HTML page."""
    raise Http404
