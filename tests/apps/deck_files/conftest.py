"""Anki packages built with Anki's own Python library (the ``anki`` package): notes, decks, media, real reviews.

``anki_collection`` holds basic, reversed and cloze notes in nested decks, with HTML
(and a script that must not survive), an image, tags, and reviews answered through
Anki's scheduler with a known time taken per answer. ``anki_package(kind)`` exports it
as Anki writes packages today (``current``, ``colpkg``) or did before (``legacy``:
collection.anki21; ``anki2``: the same schema named collection.anki2, as Anki 2.0 wrote).
"""

import json
import time
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from anki.collection import Collection, ExportAnkiPackageOptions
from django.core.management import call_command

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"mnemo-test-image"
ANSWERS = (3, 1, 3, 4, 2, 3)
SECONDS_PER_ANSWER = 7


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """Uploads and imported media go to the test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def anki_collection(tmp_path):
    collection = Collection(str(tmp_path / "source.anki2"))
    verbs = collection.decks.id("Spanish::Verbs")
    geography = collection.decks.id("Geography")

    def add(note_type: str, deck_id: int, fields: dict, tags: list[str]) -> None:
        note = collection.new_note(collection.models.by_name(note_type))
        for name, value in fields.items():
            note[name] = value
        note.tags = tags
        collection.add_note(note, deck_id)

    image = tmp_path / "speak.png"
    image.write_bytes(PNG)
    stored_name = collection.media.add_file(str(image))
    add("Basic", verbs, {"Front": "<b>hablar</b><script>alert(1)</script>", "Back": f'to speak <img src="{stored_name}" onerror="x()">'}, ["spanish", "verbs"])
    add("Basic (and reversed card)", verbs, {"Front": "comer", "Back": "to eat"}, ["spanish"])
    add("Cloze", geography, {"Text": "{{c1::Madrid}} is the capital of {{c2::Spain::country}}", "Back Extra": "Since 1561"}, ["geo::europe"])
    _answer_through_the_scheduler(collection, verbs)
    yield collection
    collection.close()


def _answer_through_the_scheduler(collection: Collection, deck_id: int) -> None:
    collection.decks.select(deck_id)
    for grade in ANSWERS:
        card = collection.sched.getCard()
        card.timer_started = time.time() - SECONDS_PER_ANSWER
        collection.sched.answerCard(card, grade)


@pytest.fixture
def anki_package(anki_collection, tmp_path):
    def export(kind: str) -> Path:
        target = tmp_path / f"{kind}-as-anki-writes-it.{'colpkg' if kind == 'colpkg' else 'apkg'}"
        if kind == "colpkg":
            anki_collection.export_collection_package(out_path=str(target), include_media=True, legacy=False)
            anki_collection.reopen()  # writing a collection package closes the collection
            return target
        options = ExportAnkiPackageOptions(with_scheduling=True, with_deck_configs=False, with_media=True, legacy=kind != "current")
        anki_collection.export_anki_package(out_path=str(target), options=options, limit=None)
        if kind == "anki2":
            target = _renamed_collection(target, tmp_path / "anki2.apkg")
        return target

    return export


def _renamed_collection(source: Path, target: Path) -> Path:
    """The legacy package with its schema-11 collection stored as collection.anki2 (no anki21 entry)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            if name == "collection.anki2":
                continue
            new.writestr("collection.anki2" if name == "collection.anki21" else name, old.read(name))
    return target


def anki_revlog(collection: Collection) -> list[tuple[int, int, int]]:
    """(answer time in ms, ease, time taken in ms) of every answer in the collection."""
    return [tuple(row) for row in collection.db.all("SELECT id, ease, time FROM revlog ORDER BY id")]


def import_deck(path, owner, *options) -> dict:
    """Run ``manage.py import_deck`` and return the JSON object on its last line."""
    out = StringIO()
    call_command("import_deck", str(path), "--owner", owner.username, *options, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])
