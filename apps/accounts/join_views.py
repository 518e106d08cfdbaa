"""Learners' side of cohorts: join with an invite's link or code, see the cohorts joined, leave one.

A link with an unknown code reads as 404; a known code that no longer works says why,
and names no cohort to anyone not already in it. Opened signed out, a usable invite
names the cohort and its instructor and leads to sign-up or sign-in, after which the
person joins (apps.accounts.invite_sign_in). Leaving a cohort the user is not a member
of is 404, like any other stranger's URL.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts import selectors, services
from apps.accounts.access import cohort_for_member
from apps.accounts.forms import InviteNextStepForm, JoinCodeForm
from apps.accounts.invite_sign_in import invite_remember
from apps.accounts.models import INVITE_CODE_LENGTH, CohortInvite


def _joined(request, code: str):
    """Join with ``code``: to the joined cohorts with a message, or None with the refusal as an error message."""
    try:
        cohort = services.cohort_join(learner=request.user, code=code)
    except services.CohortInvalid as error:
        messages.error(request, str(error))
        return None
    messages.success(request, f"You are a member of “{cohort.name}”.")
    return redirect("cohorts:cohorts_joined")


@login_required
@require_GET
def cohorts_joined(request):
    context = {"cohorts": selectors.cohorts_joined_by(request.user), "form": JoinCodeForm()}
    return render(request, "accounts/cohorts_joined.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def cohort_join_by_code(request):
    form = JoinCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        joined = _joined(request, form.cleaned_data["code"])
        if joined is not None:
            return joined
    context = {"cohorts": selectors.cohorts_joined_by(request.user), "form": form}
    return render(request, "accounts/cohorts_joined.html", context, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
def cohort_join_by_link(request, code: str):
    invite = selectors.invite_by_code(code) if len(code) <= INVITE_CODE_LENGTH else None
    if invite is None:
        raise Http404("No such invite")
    if not request.user.is_authenticated:
        return _invite_for_visitor(request, invite)
    member = invite.cohort.members.filter(pk=request.user.pk).exists()
    refusal = None if member else invite.refusal(timezone.now())
    if refusal is not None:
        return _invite_refused(request, refusal)
    if request.method == "POST":
        joined = _joined(request, invite.code)
        if joined is not None:
            return joined
    return render(request, "accounts/cohort_join.html", {"invite": invite, "member": member})


def _invite_refused(request, refusal: str):
    """Why the invite cannot be used, and nothing about its cohort."""
    return render(request, "accounts/cohort_invite_refused.html", {"refusal": refusal}, status=410)


def _invite_for_visitor(request, invite: CohortInvite):
    """The invite's page for someone signed out: the cohort, then "Create an account and join" or "Sign in and join"."""
    refusal = invite.refusal(timezone.now())
    if refusal is not None:
        return _invite_refused(request, refusal)
    form = InviteNextStepForm(request.POST or None, signup_open=settings.MNEMO_SIGNUP_OPEN)
    if request.method == "POST" and form.is_valid():
        invite_remember(request=request, invite=invite)
        next_page = urlencode({REDIRECT_FIELD_NAME: reverse("cohorts:cohorts_joined")})
        return redirect(f"{reverse(form.cleaned_data['then'])}?{next_page}")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/cohort_invite.html", {"invite": invite, "form": form}, status=status)


@login_required
@require_POST
def cohort_leave(request, cohort_uuid):
    cohort = cohort_for_member(request.user, cohort_uuid)
    services.cohort_leave(cohort=cohort, learner=request.user)
    messages.success(request, f"You left “{cohort.name}”.")
    return redirect("cohorts:cohorts_joined")
