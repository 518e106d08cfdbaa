"""Fetch a cohort for a user and check access in one place: anyone but its owner and staff gets 404."""

from django.http import Http404

from apps.accounts.models import Cohort
from apps.accounts.roles import may_own_cohorts


def require_cohort_owner_role(user) -> None:
    """Cohort pages exist only for instructors and staff; to anyone else they read as 404."""
    if not may_own_cohorts(user):
        raise Http404("No such page")


def cohort_for_owner(user, cohort_uuid) -> Cohort:
    """A cohort the user owns (staff: any cohort), else 404."""
    cohort = Cohort.objects.select_related("owner").filter(uuid=cohort_uuid).first()
    if cohort is None or not (user.is_staff or cohort.owner_id == user.pk):
        raise Http404("No such cohort")
    return cohort


def cohort_for_member(user, cohort_uuid) -> Cohort:
    """A cohort the user is a member of, else 404."""
    cohort = Cohort.objects.filter(uuid=cohort_uuid, members=user).first()
    if cohort is None:
        raise Http404("No such cohort")
    return cohort
