"""Who may reach research pages and exports, decided in one place: anyone else gets 404.

Research pages exist only for users in the researcher role (staff status alone is
not enough); an export and its files exist only for the researcher who asked for
it, and only until it expires.
"""

from functools import wraps

from django.http import Http404
from django.utils import timezone

from apps.accounts.roles import RESEARCHER, has_role
from apps.research.models import ResearchExport


def require_researcher(user) -> None:
    if not has_role(user, RESEARCHER):
        raise Http404("No such page")


def researcher_only(view):
    """Decorate a research view (under ``login_required``) so that anyone else gets 404 whatever the method."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        require_researcher(request.user)
        return view(request, *args, **kwargs)

    return checked


def export_for_requester(user, export_uuid) -> ResearchExport:
    """The user's own export, else 404."""
    require_researcher(user)
    export = ResearchExport.objects.select_related("cohort", "deck").filter(uuid=export_uuid, requested_by=user).first()
    if export is None:
        raise Http404("No such export")
    return export


def unexpired_export_for_requester(user, export_uuid) -> ResearchExport:
    """The user's own export while its download link is valid, else 404."""
    export = export_for_requester(user, export_uuid)
    if export.expires_at <= timezone.now():
        raise Http404("This export has expired")
    return export
