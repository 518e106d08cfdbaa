"""API endpoint: exchange a username and password for a bearer token."""

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import JsonResponse

from apps.accounts.api_auth import ApiError, api_endpoint, json_body
from apps.accounts.services import api_token_create


@api_endpoint("POST", authenticated=False)
def token_create(request):
    body = json_body(request)
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise ApiError("username and password are required strings")
    user = authenticate(request, username=username, password=password)
    if user is None:
        raise ApiError("invalid username or password", status=401)
    return JsonResponse({"token": api_token_create(user=user), "expires_in_days": settings.MNEMO_API_TOKEN_DAYS}, status=201)
