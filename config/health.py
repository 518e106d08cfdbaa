"""Liveness check for load balancers and docker-compose: answers 200 when the database answers.

``HealthCheckMiddleware`` answers ``/healthz`` before any other middleware, so the check
works whatever Host the prober sends (docker-compose's probes ``127.0.0.1``, which a
deployment's ``ALLOWED_HOSTS`` need not list) and over plain HTTP behind a TLS proxy.
It reveals nothing but whether the database answers.
"""

from django.db import connection
from django.http import HttpRequest, JsonResponse

HEALTH_PATH = "/healthz"


def healthz(request: HttpRequest) -> JsonResponse:
    """200 with {"status": "ok"} when a trivial query succeeds, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any database failure means "not healthy", whatever its type
        return JsonResponse({"status": "unavailable", "reason": str(error)}, status=503)
    return JsonResponse({"status": "ok"})


class HealthCheckMiddleware:
    """Answer the health check without host validation, redirects or sessions."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.path == HEALTH_PATH:
            return healthz(request)
        return self.get_response(request)
