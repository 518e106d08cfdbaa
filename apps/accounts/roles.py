"""The role groups a user can belong to; staff status (for the admin) is separate."""

LEARNER = "learner"
INSTRUCTOR = "instructor"
RESEARCHER = "researcher"

ALL_ROLES = (LEARNER, INSTRUCTOR, RESEARCHER)
