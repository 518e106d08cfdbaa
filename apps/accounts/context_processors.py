"""Template context every page's navigation needs about the signed-in user."""

from django.utils.functional import SimpleLazyObject

from apps.accounts.roles import RESEARCHER, has_role, may_own_cohorts


def navigation(request) -> dict:
    """Whether to show the Cohorts and Research links; each evaluated (one query) only when a template asks."""
    user = request.user
    return {
        "may_manage_cohorts": SimpleLazyObject(lambda: user.is_authenticated and may_own_cohorts(user)),
        "may_export_research": SimpleLazyObject(lambda: user.is_authenticated and has_role(user, RESEARCHER)),
    }
