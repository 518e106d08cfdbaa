"""The role groups a user can belong to; staff status (for the admin) is separate."""

LEARNER = "learner"
INSTRUCTOR = "instructor"
RESEARCHER = "researcher"

ALL_ROLES = (LEARNER, INSTRUCTOR, RESEARCHER)


def has_role(user, role: str) -> bool:
    return user.groups.filter(name=role).exists()


def may_own_cohorts(user) -> bool:
    """Instructors and staff own cohorts."""
    return user.is_staff or has_role(user, INSTRUCTOR)
