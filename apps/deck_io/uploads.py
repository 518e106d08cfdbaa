"""Refuse an oversized deck-file upload while it arrives, not after it is stored.

Two guards, both before anything is written: the request's ``Content-Length`` is checked
before the body is read (``upload_declared_too_large``), and ``SizeLimitedUploadHandler``,
first among the request's upload handlers, stops reading once the file's bytes pass the
limit, so a false ``Content-Length`` or a chunked body is cut off too. Django then drops
the partial file (the temporary-file handler deletes it when the upload is interrupted).
"""

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

from apps.cards.deck_files.limits import readable_size

# The multipart body holds more than the file: the boundaries, the part headers, the
# CSRF token and the title (at most 200 characters). This much covers them.
FORM_FIELDS_ALLOWANCE_BYTES = 64 * 1024


def upload_too_large_message(limit: int) -> str:
    return f"The file is larger than the {readable_size(limit)} allowed for an import; nothing was uploaded."


def upload_declared_too_large(request: HttpRequest, limit: int) -> bool:
    """Whether the request says (``Content-Length``) it carries more than a file of ``limit`` bytes and the form's fields."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False  # no usable length: the upload handler counts the bytes instead
    return declared > limit + FORM_FIELDS_ALLOWANCE_BYTES


class SizeLimitedUploadHandler(FileUploadHandler):
    """Counts the uploaded files' bytes and stops the upload past ``limit``; ``refused`` tells the view it did."""

    chunk_size = 16 * 1024  # the parser reads no more than the smallest handler chunk at a time

    def __init__(self, request: HttpRequest, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.refused = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.refused = True
            raise StopUpload(connection_reset=True)  # read no further
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the handlers after this one store the file
