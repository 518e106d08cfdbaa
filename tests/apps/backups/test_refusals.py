"""A restore refuses a corrupt, tampered or mismatched archive, and a target that is not fresh, before it changes anything."""

import io
import json
import tarfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from apps.backups.archive import MANIFEST
from apps.backups.database import table_row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive(owner, media_root, tmp_path) -> Path:
    (media_root / "models").mkdir()
    (media_root / "models" / "hlr-1.pt").write_bytes(b"model bytes")
    call_command("backup", "--output", str(tmp_path / "backups"))
    return next((tmp_path / "backups").glob("mnemo-backup-*.tar.gz"))


def _repacked(archive: Path, target: Path, *, change_manifest=None, change_member=None) -> Path:
    """A copy of ``archive`` with its manifest (a dict) or one member's bytes changed."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as copy:
        for member in source.getmembers():
            payload = source.extractfile(member).read()
            if member.name == MANIFEST and change_manifest:
                manifest = json.loads(payload)
                change_manifest(manifest)
                payload = json.dumps(manifest).encode()
            elif change_member and member.name.startswith("media/"):
                payload = change_member(payload)
            member.size = len(payload)
            copy.addfile(member, io.BytesIO(payload))
    return target


def _refused(archive: Path, *options: str) -> str:
    users = get_user_model().objects.count()
    rows = table_row_counts()
    with pytest.raises(CommandError) as refusal:
        call_command("restore", str(archive), *options)
    assert get_user_model().objects.count() == users and table_row_counts() == rows, "a refused restore changed the database"
    return str(refusal.value)


def test_a_target_that_holds_accounts_is_refused(archive, media_root):
    assert "not fresh: it holds 1 account(s)" in _refused(archive)


def test_a_truncated_archive_is_refused(archive, tmp_path):
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    assert "not a readable backup archive" in _refused(cut, "--replace")


def test_a_flipped_byte_is_refused(archive, tmp_path):
    damaged = bytearray(archive.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    flipped = tmp_path / "flipped.tar.gz"
    flipped.write_bytes(bytes(damaged))
    assert "not a readable backup archive" in _refused(flipped, "--replace")


def test_a_member_that_differs_from_its_checksum_is_refused(archive, tmp_path, media_root):
    tampered = _repacked(archive, tmp_path / "tampered.tar.gz", change_member=lambda payload: payload + b"!")
    assert "does not match its checksum" in _refused(tampered, "--replace")
    assert (media_root / "models" / "hlr-1.pt").read_bytes() == b"model bytes"


def test_an_archive_of_another_engine_is_refused(archive, tmp_path):
    def other_engine(manifest):
        manifest["database"]["engine"] = "postgresql" if manifest["database"]["engine"] == "sqlite" else "sqlite"

    mismatched = _repacked(archive, tmp_path / "engine.tar.gz", change_manifest=other_engine)
    assert "restore it into the same engine" in _refused(mismatched, "--replace")


def test_an_archive_from_a_newer_mnemo_is_refused(archive, tmp_path):
    def newer(manifest):
        manifest["database"]["migrations"].append("study.9999_from_the_future")

    mismatched = _repacked(archive, tmp_path / "newer.tar.gz", change_manifest=newer)
    assert "made by a newer Mnemo" in _refused(mismatched, "--replace")


def test_something_that_is_not_a_backup_is_refused(tmp_path, db):
    other = tmp_path / "notes.tar.gz"
    with tarfile.open(other, "w:gz") as tar:
        tar.add(__file__, arcname="notes.py")
    assert "has no manifest.json" in _refused(other, "--replace")
    assert "does not exist" in _refused(tmp_path / "missing.tar.gz")
