"""The media files of a deck (images, sounds; those imported with an Anki package among them), served to whoever may study it."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from apps.cards.access import deck_for_study
from apps.cards.deck_files.media_types import DOWNLOAD_TYPE, SNIFF_BYTES, shown_type
from apps.cards.models import DeckMedia


@login_required
@require_GET
def deck_media(request, deck_uuid, name):
    """A media file of a deck the user may study, under the type its bytes have when that is an image or a sound.

    Anything else (HTML, SVG, unknown bytes, whatever its name says) is a download only;
    ``nosniff`` stops the browser guessing otherwise, and the sandbox keeps any script inert.
    """
    deck = deck_for_study(request.user, deck_uuid)
    media = DeckMedia.objects.filter(deck=deck, name=name).first()
    if media is None:
        raise Http404("No such media file")
    handle = media.file.open("rb")
    content_type = shown_type(handle.read(SNIFF_BYTES))
    handle.seek(0)
    response = FileResponse(handle, content_type=content_type or DOWNLOAD_TYPE, as_attachment=content_type is None, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
