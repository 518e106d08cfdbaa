"""Error pages: under /api/ every error is JSON (``{"error": reason}``), elsewhere Django's own pages.

These handle what no API view answers itself: a Host outside ALLOWED_HOSTS, another
suspicious request, an unknown API URL, a method an API URL does not take, or an
uncaught exception.
"""

from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from apps.accounts.api_auth import json_error


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def bad_request(request, exception):
    return json_error("bad request", status=400) if _is_api(request) else defaults.bad_request(request, exception)


def permission_denied(request, exception):
    return json_error("permission denied", status=403) if _is_api(request) else defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    return json_error("not found", status=404) if _is_api(request) else defaults.page_not_found(request, exception)


def server_error(request):
    return json_error("internal server error", status=500) if _is_api(request) else defaults.server_error(request)


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Any unknown /api/ URL, whatever the method: a JSON 404 rather than an HTML page."""
    return json_error("not found", status=404)


class ApiMethodNotAllowedIsJson:
    """django-ninja answers a method that an API URL does not take with a plain-text 405; clients get JSON like every other error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and _is_api(request) and response.get("Content-Type") != "application/json":
            refusal = json_error(f"method {request.method} is not allowed here", status=405)
            refusal["Allow"] = response["Allow"]
            return refusal
        return response
