"""Template context every page's navigation needs: the signed-in user's links, and whether password reset exists."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from apps.accounts.roles import may_own_cohorts


def navigation(request) -> dict:
    """Whether to show the Cohorts link (one query, only when a template asks) and the password-reset link."""
    user = request.user
    return {
        "may_manage_cohorts": SimpleLazyObject(lambda: user.is_authenticated and may_own_cohorts(user)),
        "password_reset_enabled": settings.MNEMO_PASSWORD_RESET,
    }
