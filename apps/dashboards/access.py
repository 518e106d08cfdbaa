"""Who may see which dashboard, decided in one place; anyone else gets 404, as if it did not exist.

A cohort's dashboard is its owner's, and also open to staff granted the
``dashboards.view_cohortsnapshot`` permission (``roles.staff_may``, the rule every
access helper asks; staff status alone is not enough: individual learners' progress is
not for every admin). Those who see it may also ask for its numbers to be computed
now. The cohort's exam date and target are changed by its owner, or staff who may
change cohorts. A learner's detail exists only for members of the cohort. Learners see
only their own progress page.
"""

from django.contrib.auth import get_user_model
from django.http import Http404

from apps.accounts.models import Cohort
from apps.accounts.roles import staff_may

VIEW_ANY_COHORT_DASHBOARD = "dashboards.view_cohortsnapshot"
CHANGE_COHORT = "accounts.change_cohort"


def may_see_cohort_dashboard(user, cohort: Cohort) -> bool:
    return cohort.owner_id == user.pk or staff_may(user, VIEW_ANY_COHORT_DASHBOARD)


def may_change_mastery_settings(user, cohort: Cohort) -> bool:
    """The exam date and target are the cohort's: its owner's to set, or staff's who may change cohorts."""
    return cohort.owner_id == user.pk or staff_may(user, CHANGE_COHORT)


def _cohort_allowed(user, cohort_uuid, allowed) -> Cohort:
    cohort = Cohort.objects.filter(uuid=cohort_uuid).first()
    if cohort is None or not allowed(user, cohort):
        raise Http404("No such cohort")
    return cohort


def cohort_for_dashboard(user, cohort_uuid) -> Cohort:
    return _cohort_allowed(user, cohort_uuid, may_see_cohort_dashboard)


def cohort_for_mastery_settings(user, cohort_uuid) -> Cohort:
    return _cohort_allowed(user, cohort_uuid, may_change_mastery_settings)


def member_for_dashboard(user, cohort_uuid, username: str):
    """(cohort, learner) when the user may see the cohort's dashboard and ``username`` is a member, else 404."""
    cohort = cohort_for_dashboard(user, cohort_uuid)
    learner = get_user_model().objects.filter(username=username, cohorts=cohort).first()
    if learner is None:
        raise Http404("No such learner in this cohort")
    return cohort, learner
