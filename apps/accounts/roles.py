"""The role groups a user can belong to, and what staff may do beyond their own objects.

Staff status alone grants nothing outside the admin's sign-in: like the admin itself,
every page lets staff see or change other people's objects only with the Django
permission for it (``staff_may``), the one rule every access helper asks.
"""

LEARNER = "learner"
INSTRUCTOR = "instructor"
RESEARCHER = "researcher"

ALL_ROLES = (LEARNER, INSTRUCTOR, RESEARCHER)


def has_role(user, role: str) -> bool:
    return user.groups.filter(name=role).exists()


def staff_may(user, permission: str) -> bool:
    """Whether the user is active staff holding the Django permission ``app_label.codename`` (superusers hold all)."""
    return user.is_active and user.is_staff and user.has_perm(permission)


def may_own_cohorts(user) -> bool:
    """Instructors own cohorts, and staff allowed to add them."""
    return has_role(user, INSTRUCTOR) or staff_may(user, "accounts.add_cohort")
