"""API endpoint: exchange a username (or e-mail address) and password, and a code where the account uses two-factor
sign-in, for a bearer token."""

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib.auth import authenticate
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import StrictStr

from apps.accounts.account_forms import FIELD_LIMITS, TEXT_LIMIT, TwoFactorAuthenticateForm
from apps.accounts.api_auth import ApiErrorOut
from apps.accounts.services import api_token_create

router = Router(tags=["auth"])


# A NUL character cannot be stored in PostgreSQL text, and the sign-in records the username tried.
WITHOUT_NUL = r"^[^\x00]*$"


class Credentials(Schema):
    username: StrictStr = Field(max_length=FIELD_LIMITS["login"], pattern=WITHOUT_NUL, description="the username or e-mail address")
    password: StrictStr = Field(max_length=TEXT_LIMIT)
    code: StrictStr | None = Field(
        default=None, max_length=FIELD_LIMITS["code"], pattern=WITHOUT_NUL,
        description="the authenticator app's code (or a recovery code); required where the account uses two-factor sign-in",
    )


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

    Failed sign-ins and wrong codes count towards the same lockout as the web sign-in (429 while locked out).
    """
    user = authenticate(request, username=credentials.username, password=credentials.password)
    if user is None:
        raise HttpError(401, "invalid username or password")
    if is_mfa_enabled(user):
        if not credentials.code:
            raise HttpError(401, "this account uses two-factor sign-in: send its current code as 'code'")
        second_factor = TwoFactorAuthenticateForm(data={"code": credentials.code}, user=user)
        if not second_factor.is_valid():
            raise HttpError(401, "invalid two-factor code")
        second_factor.save()
    return Status(201, {"token": api_token_create(user=user), "expires_in_days": settings.MNEMO_API_TOKEN_DAYS})
