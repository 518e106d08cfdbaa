"""The learner's own settings page: study settings, and their API tokens (listed, revocable)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.access import api_token_for_owner
from apps.accounts.forms import LearnerSettingsForm
from apps.accounts.selectors import api_tokens_of
from apps.accounts.services import api_token_revoke, learner_settings_get_or_create
from apps.pagination import page_of


@login_required
@require_http_methods(["GET", "POST"])
def learner_settings(request):
    instance = learner_settings_get_or_create(user=request.user)
    form = LearnerSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Settings saved.")
        return redirect("accounts:settings")
    context = {"form": form, "tokens": page_of(request, api_tokens_of(request.user), parameter="tokens_page"), "now": timezone.now()}
    return render(request, "accounts/settings.html", context)


@login_required
@require_POST
def token_revoke(request, token_uuid):
    api_token_revoke(token=api_token_for_owner(request.user, token_uuid))
    messages.success(request, "API token revoked: it no longer works.")
    return redirect("accounts:settings")
