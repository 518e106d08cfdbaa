"""The "Your data" pages: what Mnemo holds, downloading all of it, deleting the account, and keeping it after all.

Downloading and deleting ask for the password again first (allauth's
re-authentication; with two-factor sign-in, or instead of it, the code). None of these
pages addresses anyone else's data: each acts on the signed-in person only.
"""

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from apps.privacy import selectors, services
from apps.privacy.adapter import deletion_sign_in_forget, deletion_sign_in_user_id
from apps.privacy.download import DOWNLOAD_TABLES, data_download_file_name, data_download_stream
from apps.privacy.forms import AccountDeletionForm

SIGN_IN_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


@login_required
@require_GET
def data_overview(request):
    context = {"held": selectors.data_held(request.user), "grace_days": settings.MNEMO_ACCOUNT_DELETION_GRACE_DAYS}
    return render(request, "privacy/overview.html", context)


@login_required
@reauthentication_required
@require_GET
def data_download_page(request):
    return render(request, "privacy/download.html", {"tables": DOWNLOAD_TABLES})


@login_required
@reauthentication_required
@require_GET
def data_download(request):
    """The zip, written while it is sent (memory stays bounded however large the account)."""
    response = StreamingHttpResponse(data_download_stream(user=request.user), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{data_download_file_name(request.user, timezone.now())}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def account_delete(request):
    blockers = selectors.deletion_blockers(request.user)
    form = AccountDeletionForm(request.POST or None, user=request.user)
    if request.method == "POST" and not blockers and form.is_valid():
        try:
            deletion = services.account_deletion_request(user=request.user)
        except services.DeletionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            logout(request)
            return render(request, "privacy/deletion_requested.html", {"deletion": deletion})
    context = {"form": form, "blockers": blockers, "grace_days": settings.MNEMO_ACCOUNT_DELETION_GRACE_DAYS}
    return render(request, "privacy/delete.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def deletion_pending(request):
    """Reached by signing in during the grace period (``apps.privacy.adapter``): keep the account, or leave it to be deleted."""
    user_id = deletion_sign_in_user_id(request)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    deletion = selectors.deletion_pending(user) if user else None
    if deletion is None:
        deletion_sign_in_forget(request)
        return redirect("login")
    if request.method == "POST":
        deletion_sign_in_forget(request)
        if request.POST.get("choice") != "keep":
            messages.info(request, f"Your account stays switched off and will be deleted on {deletion.erase_after:%Y-%m-%d}.")
            return redirect("login")
        try:
            services.account_deletion_cancel(deletion=deletion)
        except services.DeletionRefused as refusal:
            messages.error(request, str(refusal))
            return redirect("login")
        user.refresh_from_db()
        login(request, user, backend=SIGN_IN_BACKEND)
        messages.success(request, "Your account is no longer being deleted. Welcome back.")
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "privacy/deletion_pending.html", {"deletion": deletion, "username": user.get_username()})
