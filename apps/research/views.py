"""The researcher's pages: request an export, follow its progress, download its files; and the learner's consent switch."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.research import access, selectors, services
from apps.research.forms import ExportRequestForm
from apps.research.services import research_export_enqueue

STREAM_CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}


@login_required
@access.researcher_only
@require_http_methods(["GET", "POST"])
def export_list(request):
    form = ExportRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            export = services.research_export_request(
                researcher=request.user,
                export_format=form.cleaned_data["format"],
                filters=form.export_filters(),
                include_card_text=form.cleaned_data["include_card_text"],
                include_predictions=form.cleaned_data["include_predictions"],
            )
        except services.NothingToExport as nothing:
            form.add_error(None, str(nothing))
        else:
            if services.export_is_streamed(export):
                response = StreamingHttpResponse(services.research_export_stream(export=export), content_type=STREAM_CONTENT_TYPES[export.format])
                response["Content-Disposition"] = f'attachment; filename="{services.STREAM_FILE_NAMES[export.format]}"'
                return response
            research_export_enqueue(export=export)
            messages.success(request, f"Export of {export.total_rows} study logs queued.")
            return redirect("research:export_detail", export_uuid=export.uuid)
    exports = selectors.exports_of(researcher=request.user)[:50]
    return render(request, "research/export_list.html", {"form": form, "exports": exports})


@login_required
@access.researcher_only
@require_GET
def export_detail(request, export_uuid):
    export = access.export_for_requester(request.user, export_uuid)
    template = "research/_export_status.html" if request.headers.get("HX-Request") else "research/export_detail.html"
    return render(request, template, {"export": export, "streamed": services.export_is_streamed(export)})


@login_required
@access.researcher_only
@require_GET
def export_manifest(request, export_uuid):
    export = access.unexpired_export_for_requester(request.user, export_uuid)
    if export.manifest is None:
        raise Http404("The export is not finished")
    return JsonResponse(export.manifest, json_dumps_params={"indent": 2})


@login_required
@access.researcher_only
@require_GET
def export_file(request, export_uuid, name):
    export = access.unexpired_export_for_requester(request.user, export_uuid)
    path = services.export_file_path(export, name)
    if path is None or not path.is_file():
        raise Http404("No such file in this export")
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@login_required
@require_POST
def consent_update(request):
    """Opt in to or out of research exports (the settings page's switch)."""
    if request.POST.get("consent") == "give":
        services.research_consent_give(learner=request.user)
        messages.success(request, "Thank you: your study logs from now on may be exported for research, under a pseudonym.")
    elif request.POST.get("consent") == "withdraw":
        services.research_consent_withdraw(learner=request.user)
        messages.success(request, "Consent withdrawn: study logs from now on will not be exported.")
    else:
        messages.error(request, "Choose to give or to withdraw consent.")
    return redirect("accounts:settings")
