"""Which media files Mnemo shows or plays, told by their bytes (``filetype``'s magic numbers), never by their names.

An imported file is served under the type its content has, when that type is an image
or a sound a browser shows or plays; anything else (HTML, SVG, scripts, unknown bytes,
whatever the name says) is only offered as a download (``application/octet-stream``,
``Content-Disposition: attachment``), so no deck can put a page of its own on Mnemo's
origin.
"""

import mimetypes

import filetype

SNIFF_BYTES = 8192
SHOWN_TYPES = {
    "image/png": "image/png", "image/apng": "image/apng", "image/jpeg": "image/jpeg", "image/gif": "image/gif",
    "image/webp": "image/webp", "image/avif": "image/avif", "image/bmp": "image/bmp",
    "audio/mpeg": "audio/mpeg", "audio/ogg": "audio/ogg", "audio/x-wav": "audio/wav", "audio/x-flac": "audio/flac",
    "audio/mp4": "audio/mp4", "audio/aac": "audio/aac",
}
DOWNLOAD_TYPE = "application/octet-stream"


def shown_type(head: bytes) -> str | None:
    """The content type to serve a file whose first bytes are ``head`` under, or None when it is only a download."""
    sniffed = filetype.guess_mime(head[:SNIFF_BYTES])
    return SHOWN_TYPES.get(sniffed) if sniffed else None


def is_audio(content_type: str | None) -> bool:
    return bool(content_type) and content_type.startswith("audio/")


def media_type_problem(name: str, data: bytes) -> str | None:
    """Why an imported file will not be shown as its name promises (a ``.png`` that holds HTML), or None."""
    actual = shown_type(data)
    promised = mimetypes.guess_type(name)[0] or ""
    if actual is None:
        return "its content is not an image or a sound Mnemo shows; it is offered as a download only"
    if promised.split("/")[0] in ("image", "audio") and promised.split("/")[0] != actual.split("/")[0]:
        return f"its name says {promised.split('/')[0]} but its content is {actual}; it is served as what it is"
    return None
