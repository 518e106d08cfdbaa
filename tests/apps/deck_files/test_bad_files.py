"""Malformed, truncated, oversized and zip-bomb files are refused with a message that names the problem; nothing is written."""

import zipfile
from io import StringIO

import pytest
import zstandard
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from apps.cards.deck_files.limits import ImportLimits
from apps.cards.deck_files.reading import read_deck_file
from apps.cards.models import Card, Deck, DeckImport, DeckMedia
from apps.deck_io.services import deck_import_file
from apps.study.models import StudyLog


def refused(path, owner) -> str:
    with pytest.raises(CommandError) as error:
        call_command("import_deck", str(path), "--owner", owner.username, stdout=StringIO())
    assert not Deck.objects.exists() and not Card.objects.exists() and not StudyLog.objects.exists() and not DeckMedia.objects.exists()
    return str(error.value)


def zip_with(path, entries: dict[str, bytes]):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def test_a_truncated_package_is_refused(db, owner, anki_package, tmp_path):
    whole = anki_package("current").read_bytes()
    cut = tmp_path / "cut.apkg"
    cut.write_bytes(whole[: len(whole) // 2])
    assert "not a zip archive (or it is truncated)" in refused(cut, owner)


def test_a_truncated_collection_inside_a_package_names_the_entry(db, owner, anki_package, tmp_path):
    with zipfile.ZipFile(anki_package("legacy")) as archive:
        collection = archive.read("collection.anki21")
    broken = zip_with(tmp_path / "broken.apkg", {"collection.anki21": collection[:5000], "media": b"{}"})
    assert "collection.anki21: not an Anki collection" in refused(broken, owner)


def test_a_zip_that_is_not_an_anki_package_is_refused(db, owner, tmp_path):
    other = zip_with(tmp_path / "photos.apkg", {"holiday.jpg": b"\xff\xd8 not really"})
    assert "not an Anki package: no collection.anki21b" in refused(other, owner)


def test_a_package_from_a_newer_anki_is_refused(db, owner, anki_package, tmp_path):
    with zipfile.ZipFile(anki_package("current")) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    newer = zip_with(tmp_path / "newer.apkg", {**entries, "meta": b"\x08\x04"})
    assert "meta: package version 4 comes from a newer Anki than Mnemo reads (up to 3)" in refused(newer, owner)


def test_a_text_file_named_apkg_is_refused(db, owner, tmp_path):
    fake = tmp_path / "deck.apkg"
    fake.write_text("front,back\nq,a\n")
    assert "not an Anki file: neither a package (zip archive) nor a collection" in refused(fake, owner)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(db, owner, tmp_path, settings):
    settings.MNEMO_IMPORT_MAX_UNPACKED_BYTES = 10 * 1024 * 1024
    bomb = zip_with(tmp_path / "bomb.apkg", {"collection.anki21": b"\0" * (50 * 1024 * 1024)})
    assert bomb.stat().st_size < 200_000
    assert "unpacks to 50 MB, more than the 10 MB allowed" in refused(bomb, owner)


def test_a_zstd_bomb_whose_zip_entry_looks_small_is_refused(db, owner, tmp_path, settings):
    """The zip declares a small entry; the zstd frame inside it expands past the limit."""
    settings.MNEMO_IMPORT_MAX_UNPACKED_BYTES = 10 * 1024 * 1024
    frame = zstandard.ZstdCompressor(level=19).compress(b"\0" * (50 * 1024 * 1024))
    bomb = zip_with(tmp_path / "zstd-bomb.apkg", {"collection.anki21b": frame, "collection.anki2": b"", "meta": b"\x08\x03"})
    assert "collection.anki21b: unpacks to more than the 10 MB allowed" in refused(bomb, owner)


def test_an_oversized_upload_is_refused(db, owner, tmp_path, settings):
    settings.MNEMO_IMPORT_MAX_UPLOAD_BYTES = 1024
    big = tmp_path / "big.csv"
    big.write_text("front,back\n" + "question,answer\n" * 200)
    assert "the file is 3 KB, more than the 1 KB allowed" in refused(big, owner)


def test_too_many_cards_are_refused(db, owner, anki_package, settings):
    settings.MNEMO_IMPORT_MAX_CARDS = 4
    assert "the collection holds 5 cards, more than the 4 allowed" in refused(anki_package("current"), owner)


def test_a_non_utf8_csv_names_the_line(db, owner, tmp_path):
    latin = tmp_path / "latin1.csv"
    latin.write_bytes("front,back\nCapital of Spain?,Madrid\nÉté?,summer\n".encode("latin-1"))
    assert "line 3: not UTF-8 text (byte 0xc9)" in refused(latin, owner)


def test_a_bad_row_deep_in_a_csv_names_the_line_and_writes_nothing(db, owner, tmp_path):
    rows = "".join(f"question {index},answer {index}\n" for index in range(50))
    bad = tmp_path / "bad.csv"
    bad.write_text("front,back\n" + rows + "no answer,\n")
    assert "line 52: front and back must both be filled in" in refused(bad, owner)


def test_an_error_while_saving_leaves_no_deck_cards_logs_or_media_files(db, owner, anki_package, monkeypatch):
    """A failure after the media files were written removes them with the rolled-back rows."""
    deck_file = read_deck_file(anki_package("current"), limits=ImportLimits.from_settings())
    saved = []
    original_save = default_storage.save
    monkeypatch.setattr(default_storage, "save", lambda name, content, **kw: saved.append(original_save(name, content, **kw)) or saved[-1])

    def fail(**kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr("apps.deck_io.services.imported_history_save", fail)
    with pytest.raises(RuntimeError):
        deck_import_file(owner=owner, deck_file=deck_file)
    assert saved and not any(default_storage.exists(name) for name in saved)
    assert not Deck.objects.exists() and not Card.objects.exists() and not DeckMedia.objects.exists()
    assert not StudyLog.objects.exists() and not DeckImport.objects.exists()
