"""API endpoint: exchange a username and password for a bearer token."""

from django.conf import settings
from django.contrib.auth import authenticate
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import StrictStr

from apps.accounts.api_auth import ApiErrorOut
from apps.accounts.services import api_token_create

router = Router(tags=["auth"])


class Credentials(Schema):
    username: StrictStr
    password: StrictStr


class IssuedToken(Schema):
    token: str
    expires_in_days: int


@router.post(
    "/auth/token",
    auth=None,
    response={201: IssuedToken, 400: ApiErrorOut, 401: ApiErrorOut, 413: ApiErrorOut, 429: ApiErrorOut},
    url_name="token_create",
    summary="Get a bearer token",
)
def token_create(request, credentials: Credentials):
    """A new bearer token for the account; send it as ``Authorization: Bearer <token>``.

    Failed sign-ins count towards the same lockout as the web sign-in (429 while locked out).
    """
    user = authenticate(request, username=credentials.username, password=credentials.password)
    if user is None:
        raise HttpError(401, "invalid username or password")
    return Status(201, {"token": api_token_create(user=user), "expires_in_days": settings.MNEMO_API_TOKEN_DAYS})
