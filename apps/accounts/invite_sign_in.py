"""An invite opened signed out: kept in the session through sign-up or sign-in, then used once the person is in.

The invite page names the cohort, its instructor and what joining means, and its two
buttons ("Create an account and join", "Sign in and join") are that person's consent;
so, as in team products that invite by link, they join as soon as they are signed in,
without being asked again. Only a POST from the invite page (with its CSRF token)
remembers an invite, so no other site can make a visitor join a cohort.
"""

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from apps.accounts import selectors, services
from apps.accounts.models import CohortInvite

SESSION_KEY = "mnemo_invite_code"


def invite_remember(*, request, invite: CohortInvite) -> None:
    """Join ``invite``'s cohort when this visitor next signs in (one invite at a time: the latest wins)."""
    request.session[SESSION_KEY] = invite.code


def remembered_invite(request) -> CohortInvite | None:
    """The invite this visitor chose to sign up or in with, if any (for the sign-in pages to name its cohort)."""
    session = getattr(request, "session", None)
    code = session.get(SESSION_KEY) if session is not None else None
    return selectors.invite_by_code(code) if code else None


@receiver(user_logged_in)
def join_remembered_invite(sender, request, user, **kwargs) -> None:
    code = request.session.pop(SESSION_KEY, None) if request is not None and hasattr(request, "session") else None
    if not code:
        return
    try:
        cohort = services.cohort_join(learner=user, code=code)
    except services.CohortInvalid as error:
        messages.error(request, f"You could not join the cohort: {error}")
    else:
        messages.success(request, f"You are a member of “{cohort.name}”.")
