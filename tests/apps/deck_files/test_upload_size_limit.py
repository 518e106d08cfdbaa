"""An oversized upload is refused while it arrives: by its Content-Length before the body is read, else once the file passes the limit."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import encode_multipart
from django.urls import reverse

from apps.cards.models import Deck, DeckImport

LIMIT = 32 * 1024
BOUNDARY = "mnemo-upload-boundary"


class CountedBody(io.BytesIO):
    """A request body that remembers how many bytes the server read from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        data = super().read(size)
        self.bytes_read += len(data)
        return data

    def readline(self, size=-1):
        data = super().readline(size)
        self.bytes_read += len(data)
        return data


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.MNEMO_IMPORT_MAX_UPLOAD_BYTES = LIMIT


def post_counted(client, body: bytes, **headers):
    counted = CountedBody(body)
    response = client.post(reverse("deck_io:deck_import_upload"), data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}", **{"wsgi.input": counted, **headers})
    return response, counted


def csv_upload(size: int) -> bytes:
    rows = "front,back\n" + "question,answer\n" * (size // 16)
    return encode_multipart(BOUNDARY, {"title": "", "file": SimpleUploadedFile("big.csv", rows.encode())})


def assert_refused_naming_the_limit(response, media_root) -> None:
    assert response.status_code == 413
    assert "The file is larger than the 32 KB allowed for an import; nothing was uploaded." in response.content.decode()
    assert not DeckImport.objects.exists() and not Deck.objects.exists()
    assert not any(path.is_file() for path in media_root.rglob("*"))


def test_an_upload_whose_content_length_is_over_the_limit_is_refused_before_its_body_is_read(owner, web_client_for, media_root):
    body = csv_upload(10 * LIMIT)
    response, counted = post_counted(web_client_for(owner), body)
    assert_refused_naming_the_limit(response, media_root)
    assert counted.bytes_read == 0


def test_a_file_past_the_limit_under_a_content_length_that_fits_is_cut_off_while_it_is_read(owner, web_client_for, media_root):
    body = csv_upload(LIMIT + 56 * 1024)  # the declared length is within the allowance for the form's other fields
    response, counted = post_counted(web_client_for(owner), body)
    assert_refused_naming_the_limit(response, media_root)
    assert 0 < counted.bytes_read < len(body)


def test_a_file_within_the_limit_is_previewed(owner, web_client_for):
    response, counted = post_counted(web_client_for(owner), csv_upload(LIMIT // 2))
    assert response.status_code == 302 and DeckImport.objects.count() == 1
