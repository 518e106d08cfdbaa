"""Template context every page's navigation needs: the signed-in user's links, and whether password reset exists."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from apps.accounts.roles import RESEARCHER, has_role, may_own_cohorts


def navigation(request) -> dict:
    """Whether to show the Cohorts, Research and password-reset links; the first two each evaluated (one query) only when a template asks."""
    user = request.user
    return {
        "may_manage_cohorts": SimpleLazyObject(lambda: user.is_authenticated and may_own_cohorts(user)),
        "may_export_research": SimpleLazyObject(lambda: user.is_authenticated and has_role(user, RESEARCHER)),
        "password_reset_enabled": settings.MNEMO_PASSWORD_RESET,
    }
