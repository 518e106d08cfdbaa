"""Template context every page needs: the signed-in user's links, which account pages exist, and an invite being accepted."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from apps.accounts.invite_sign_in import remembered_invite
from apps.accounts.roles import RESEARCHER, has_role, may_own_cohorts


def navigation(request) -> dict:
    """Links and account options; the lazy ones are evaluated (one query each) only when a template asks."""
    user = request.user
    return {
        "may_manage_cohorts": SimpleLazyObject(lambda: user.is_authenticated and may_own_cohorts(user)),
        "may_export_research": SimpleLazyObject(lambda: user.is_authenticated and has_role(user, RESEARCHER)),
        "password_reset_enabled": settings.MNEMO_PASSWORD_RESET,
        "email_verification_required": settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory",
        "signup_open": settings.MNEMO_SIGNUP_OPEN,
        "pending_invite": SimpleLazyObject(lambda: remembered_invite(request)),
    }
