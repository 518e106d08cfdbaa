"""Fetch a cohort or API token for a user and check access in one place: anyone but its owner (or, for cohorts, staff with the permission) gets 404."""

from django.http import Http404

from apps.accounts.models import ApiToken, Cohort
from apps.accounts.roles import may_own_cohorts, staff_may


def require_cohort_owner_role(user) -> None:
    """Cohort pages exist only for those who may own cohorts; to anyone else they read as 404."""
    if not may_own_cohorts(user):
        raise Http404("No such page")


def cohort_for_owner(user, cohort_uuid, *, to_change: bool = False) -> Cohort:
    """A cohort the user owns, or one staff may view (``to_change``: change) by their permissions, else 404."""
    cohort = Cohort.objects.select_related("owner").filter(uuid=cohort_uuid).first()
    permission = "accounts.change_cohort" if to_change else "accounts.view_cohort"
    if cohort is None or not (cohort.owner_id == user.pk or staff_may(user, permission)):
        raise Http404("No such cohort")
    return cohort


def api_token_for_owner(user, token_uuid) -> ApiToken:
    """One of the user's own API tokens, else 404."""
    token = ApiToken.objects.filter(uuid=token_uuid, user=user).first()
    if token is None:
        raise Http404("No such token")
    return token
def cohort_for_member(user, cohort_uuid) -> Cohort:
    """A cohort the user is a member of, else 404."""
    cohort = Cohort.objects.filter(uuid=cohort_uuid, members=user).first()
    if cohort is None:
        raise Http404("No such cohort")
    return cohort
