"""Media a hostile package brings: only images and sounds are shown, under the type their bytes have; the rest is a download."""

import json
import zipfile
from datetime import datetime, timezone

import pytest

from apps.cards.models import Deck, DeckMedia
from knowledge_tracing.anki.records import Card, Collection, Deck as AnkiDeck, Note, NoteType, Template
from knowledge_tracing.anki.writer import write_package
from tests.apps.deck_files.conftest import PNG, import_deck

MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 64
HTML = b"<!doctype html><html><script>fetch('/api/v1/decks').then(r => r.text()).then(alert)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
CREATED = datetime(2024, 1, 1, tzinfo=timezone.utc)


def package(tmp_path, media: dict[str, bytes]):
    note_type = NoteType(id=10, name="Basic", kind="standard", fields=("Front", "Back"), templates=(Template("Card 1", "{{Front}}", "{{Back}}"),))
    pictures = " ".join(f'<img src="{name}">' for name in media)
    collection = Collection(
        created_at=CREATED, note_types={10: note_type}, decks={2: AnkiDeck(id=2, name="Pictures")},
        notes=[Note(id=100, guid="g100", note_type_id=10, fields=("What is shown?", pictures), tags=(), modified_at=CREATED)],
        cards=[Card(id=1000, note_id=100, ord=0, deck_id=2, state="new", new_position=1)],
    )
    path = tmp_path / "pictures.apkg"
    write_package(path, collection, media=media.items())
    return path


@pytest.fixture
def served(db, owner, tmp_path, client):
    client.force_login(owner)

    def import_and_fetch(media: dict[str, bytes]):
        summary = import_deck(package(tmp_path, media), owner)
        deck = Deck.objects.get(uuid=summary["deck"])
        return summary, {name: client.get(f"/decks/{deck.uuid}/media/{name}") for name in media}

    return import_and_fetch


def test_images_and_sounds_are_served_as_what_their_bytes_are(served):
    _, responses = served({"cat.png": PNG, "hola.mp3": MP3})
    assert responses["cat.png"]["Content-Type"] == "image/png" and "attachment" not in responses["cat.png"]["Content-Disposition"]
    assert responses["hola.mp3"]["Content-Type"] == "audio/mpeg"
    assert all(response["X-Content-Type-Options"] == "nosniff" for response in responses.values())


@pytest.mark.parametrize("name, data", [("page.html", HTML), ("drawing.svg", SVG), ("cat.png", HTML), ("cat.jpg", SVG)])
def test_html_or_svg_whatever_its_name_is_only_a_download(served, name, data):
    summary, responses = served({name: data})
    response = responses[name]
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert f"media {name!r}: its content is not an image or a sound Mnemo shows; it is offered as a download only" in summary["skipped"]


def test_a_sound_named_as_an_image_is_reported_and_served_as_a_sound(served):
    summary, responses = served({"cat.png": MP3})
    assert responses["cat.png"]["Content-Type"] == "audio/mpeg"
    assert "media 'cat.png': its name says image but its content is audio/mpeg; it is served as what it is" in summary["skipped"]


def test_media_names_that_are_paths_never_reach_storage(db, owner, tmp_path, media_root):
    """A manifest naming ../ or absolute paths: those files are skipped and reported; nothing is written outside the media folder."""
    path = package(tmp_path, {"ok.png": PNG})
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    entries.update({"1": b"owned", "2": b"owned", "media": json.dumps({"0": "ok.png", "1": "../../escape.png", "2": "/tmp/abs.png"}).encode()})
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    summary = import_deck(path, owner)
    assert list(DeckMedia.objects.values_list("name", flat=True)) == ["ok.png"]
    assert any("'../../escape.png': not a plain file name" in line for line in summary["skipped"])
    assert any("'/tmp/abs.png': not a plain file name" in line for line in summary["skipped"])
    assert not (tmp_path / "escape.png").exists() and not any("escape" in str(item) for item in media_root.rglob("*"))


def test_an_edited_imported_note_keeps_its_picture_and_sound(db, owner, tmp_path):
    from apps.cards.models import Note
    from apps.cards.note_services import note_update

    summary = import_deck(package(tmp_path, {"cat.png": PNG, "hola.mp3": MP3}), owner)
    deck = Deck.objects.get(uuid=summary["deck"])
    note = Note.objects.get(owner=owner)
    note_update(note=note, field_values=["What is shown now?", note.field_values[1] + " [sound:hola.mp3]"], tags=[])
    card = note.cards.get()
    assert card.front == "What is shown now?"
    assert f'src="/decks/{deck.uuid}/media/cat.png"' in card.back
    assert f'<audio controls preload="none" src="/decks/{deck.uuid}/media/hola.mp3"></audio>' in card.back
