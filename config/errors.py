"""Error pages: under /api/ every error is JSON (``{"error": reason}``), elsewhere Django's own pages.

These handle what no API view answers itself: a Host outside ALLOWED_HOSTS, another
suspicious request, or an uncaught exception.
"""

from django.views import defaults

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
