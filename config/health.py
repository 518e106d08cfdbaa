"""Liveness check for load balancers and docker-compose: answers 200 when the database answers."""

from django.db import connection
from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    """200 with {"status": "ok"} when a trivial query succeeds, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any database failure means "not healthy", whatever its type
        return JsonResponse({"status": "unavailable", "reason": str(error)}, status=503)
    return JsonResponse({"status": "ok"})
