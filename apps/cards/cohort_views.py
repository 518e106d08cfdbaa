"""Cohort pages for instructors and staff: create a cohort, invite and remove learners, assign and unassign decks.

Only a cohort's owner (and staff) reach its pages; anyone else gets 404, as if it did
not exist. Every change is a POST that goes back to the cohort page with a message.
Learners join with an invite's link or code and may leave (``join_views``); nobody
adds an account by name, so no page tells whether an account exists. The pages live in
``cards`` because they assign decks, and accounts sits below cards.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts import selectors, services
from apps.accounts.access import cohort_for_owner, require_cohort_owner_role
from apps.accounts.forms import CohortForm, DeckChoiceForm, InviteChoiceForm, InviteForm, MemberForm
from apps.cards import cohort_decks
from apps.pagination import page_of


@login_required
@require_http_methods(["GET", "POST"])
def cohort_list(request):
    require_cohort_owner_role(request.user)
    form = CohortForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cohort = services.cohort_create(owner=request.user, name=form.cleaned_data["name"])
        except services.CohortInvalid as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Cohort “{cohort.name}” created.")
            return redirect("cohorts:cohort_detail", cohort_uuid=cohort.uuid)
    context = {"cohorts": page_of(request, selectors.cohorts_owned_by(request.user)), "form": form}
    return render(request, "accounts/cohort_list.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def cohort_detail(request, cohort_uuid):
    cohort = cohort_for_owner(request.user, cohort_uuid)
    context = {
        "cohort": cohort,
        "members": page_of(request, selectors.cohort_members(cohort), parameter="members_page"),
        "departures": page_of(request, selectors.cohort_departures(cohort), parameter="departures_page"),
        "decks": page_of(request, cohort_decks.cohort_decks(cohort), parameter="decks_page"),
        "invites": selectors.cohort_invites(cohort),
        "invite_form": InviteForm(),
        "now": timezone.now(),
        "deck_form": DeckChoiceForm(decks=cohort_decks.cohort_assignable_decks(cohort)),
    }
    return render(request, "accounts/cohort_detail.html", context)


def _cohort_change(*, form, change, done):
    """A POST view that validates ``form(data, cohort)``, calls ``change(cohort, cleaned_data)`` and reports ``done(cohort, cleaned_data)``.

    Whatever happens it goes back to the cohort page; a refusal is shown as an error message.
    """

    @login_required
    @require_POST
    def view(request, cohort_uuid):
        cohort = cohort_for_owner(request.user, cohort_uuid, to_change=True)
        bound = form(request.POST, cohort)
        if not bound.is_valid():
            messages.error(request, " ".join(error for errors in bound.errors.values() for error in errors))
        else:
            try:
                change(cohort, bound.cleaned_data)
            except services.CohortInvalid as error:
                messages.error(request, str(error))
            else:
                messages.success(request, done(cohort, bound.cleaned_data))
        return redirect("cohorts:cohort_detail", cohort_uuid=cohort.uuid)

    return view


cohort_invite_create = _cohort_change(
    form=lambda data, cohort: InviteForm(data),
    change=lambda cohort, data: services.cohort_invite_create(cohort=cohort, **data),
    done=lambda cohort, data: "A new invite is ready: share its link or code.",
)
cohort_invite_revoke = _cohort_change(
    form=lambda data, cohort: InviteChoiceForm(data, invites=selectors.cohort_invites(cohort)),
    change=lambda cohort, data: services.cohort_invite_revoke(invite=data["invite"]),
    done=lambda cohort, data: f"The invite {data['invite'].code} no longer works.",
)
cohort_member_remove = _cohort_change(
    form=lambda data, cohort: MemberForm(data, members=selectors.cohort_members(cohort)),
    change=lambda cohort, data: services.cohort_remove_learner(cohort=cohort, learner=data["username"]),
    done=lambda cohort, data: f"{data['username']} left “{cohort.name}”.",
)
cohort_deck_assign = _cohort_change(
    form=lambda data, cohort: DeckChoiceForm(data, decks=cohort_decks.cohort_assignable_decks(cohort)),
    change=lambda cohort, data: cohort_decks.cohort_assign_deck(cohort=cohort, deck=data["deck"]),
    done=lambda cohort, data: f"“{data['deck'].title}” is assigned to “{cohort.name}”.",
)
cohort_deck_unassign = _cohort_change(
    form=lambda data, cohort: DeckChoiceForm(data, decks=cohort_decks.cohort_decks(cohort)),
    change=lambda cohort, data: cohort_decks.cohort_unassign_deck(cohort=cohort, deck=data["deck"]),
    done=lambda cohort, data: f"“{data['deck'].title}” is no longer assigned to “{cohort.name}”.",
)
