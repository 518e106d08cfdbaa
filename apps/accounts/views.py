"""The learner's own study settings page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.accounts.forms import LearnerSettingsForm
from apps.accounts.services import learner_settings_get_or_create


@login_required
@require_http_methods(["GET", "POST"])
def learner_settings(request):
    instance = learner_settings_get_or_create(user=request.user)
    form = LearnerSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Settings saved.")
        return redirect("accounts:settings")
    return render(request, "accounts/settings.html", {"form": form})
