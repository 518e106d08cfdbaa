"""Deck import (upload, preview, confirm, progress) and export (a deck, a whole collection) pages."""

import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.cards.access import deck_for_study, deck_import_for_owner
from apps.cards.deck_files.records import DeckFileError
from apps.cards.models import DeckImport
from apps.deck_io import services
from apps.deck_io.exports import COLLECTION_SUFFIX, EXPORT_FORMATS, collection_export_to_file, deck_export_to_file
from apps.deck_io.forms import DeckImportForm
from apps.deck_io.uploads import SizeLimitedUploadHandler, upload_declared_too_large, upload_too_large_message


@csrf_exempt  # the CSRF check reads the body: it runs in _deck_import_upload, once the size limit guards the reading
@login_required
@require_http_methods(["GET", "POST"])
def deck_import_upload(request):
    """The upload form; an upload over ``MNEMO_IMPORT_MAX_UPLOAD_BYTES`` is refused before its body is read, or as soon as it passes the limit."""
    limit = settings.MNEMO_IMPORT_MAX_UPLOAD_BYTES
    if request.method == "POST" and upload_declared_too_large(request, limit):
        return _upload_refused(request, limit)
    size_limit = SizeLimitedUploadHandler(request, limit=limit)
    request.upload_handlers.insert(0, size_limit)
    return _deck_import_upload(request, size_limit)


def _upload_refused(request, limit: int):
    context = {"form": DeckImportForm(), "upload_error": upload_too_large_message(limit)}
    return render(request, "deck_io/deck_import_upload.html", context, status=413)


@csrf_protect
def _deck_import_upload(request, size_limit: SizeLimitedUploadHandler):
    form = DeckImportForm(request.POST or None, request.FILES or None)
    if size_limit.refused:
        return _upload_refused(request, size_limit.limit)
    if request.method == "POST" and form.is_valid():
        try:
            deck_import = services.deck_import_create(owner=request.user, upload=form.cleaned_data["file"], title=form.cleaned_data["title"])
        except DeckFileError as error:
            form.add_error("file", f"{form.cleaned_data['file'].name}: {error}")
        else:
            return redirect("deck_io:deck_import_detail", import_uuid=deck_import.uuid)
    return render(request, "deck_io/deck_import_upload.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_GET
def deck_import_detail(request, import_uuid):
    """The preview before confirming, the progress bar while importing, then the outcome."""
    deck_import = deck_import_for_owner(request.user, import_uuid)
    return render(request, "deck_io/deck_import_detail.html", {"deck_import": deck_import, "Status": DeckImport.Status})


@login_required
@require_POST
def deck_import_confirm(request, import_uuid):
    deck_import = services.deck_import_confirm(deck_import=deck_import_for_owner(request.user, import_uuid))
    if deck_import.status == DeckImport.Status.DONE:
        messages.success(request, f"Imported {deck_import.result['cards']} cards and {deck_import.result['review_logs']} review logs.")
        return redirect("cards:deck_detail", deck_uuid=deck_import.deck.uuid)
    return redirect("deck_io:deck_import_detail", import_uuid=deck_import.uuid)


@login_required
@require_GET
def deck_import_progress(request, import_uuid):
    deck_import = deck_import_for_owner(request.user, import_uuid)
    return JsonResponse(
        {
            "status": deck_import.status,
            "stage": deck_import.progress_stage,
            "done": deck_import.progress_done,
            "total": deck_import.progress_total,
            "error": deck_import.error,
            "deck_url": reverse("cards:deck_detail", kwargs={"deck_uuid": deck_import.deck.uuid}) if deck_import.deck else None,
        }
    )


@login_required
@require_GET
def deck_export(request, deck_uuid):
    """The deck as CSV or .apkg; ``history=1`` puts the requesting learner's own review log in the .apkg."""
    deck = deck_for_study(request.user, deck_uuid)
    export_format = request.GET.get("format", "csv")
    if export_format not in EXPORT_FORMATS:
        raise Http404("No such export format")
    learner = request.user if request.GET.get("history") == "1" else None
    suffix = EXPORT_FORMATS[export_format]
    return _download(
        lambda target: deck_export_to_file(deck=deck, export_format=export_format, target=target, viewer=request.user, learner=learner),
        suffix=suffix, filename=f"{deck.title.replace('::', ' - ')}{suffix}",
    )


@login_required
@require_GET
def collection_export(request):
    """All of the signed-in learner's decks, notes, media and their own review history, as a .colpkg Anki opens whole."""
    return _download(
        lambda target: collection_export_to_file(owner=request.user, target=target),
        suffix=COLLECTION_SUFFIX, filename=f"{request.user.username}-collection{COLLECTION_SUFFIX}",
    )


def _download(write, *, suffix: str, filename: str) -> FileResponse:
    """Write the export to a temporary file, then stream it as an attachment."""
    handle = tempfile.TemporaryFile()
    with tempfile.TemporaryDirectory(prefix="mnemo-export-") as scratch:
        target = Path(scratch) / f"export{suffix}"
        write(target)
        with open(target, "rb") as written:
            shutil.copyfileobj(written, handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename)
