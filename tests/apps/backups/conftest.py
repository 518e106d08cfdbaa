"""Fixtures of the backup tests: a media folder of the test's own, and wiping an installation as a lost disk would."""

import shutil
from pathlib import Path

import pytest
from django.db import connection, connections


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def wipe_installation(media_root):
    """wipe(): the database becomes a new, empty one (no tables at all) and the media folder is gone."""

    def wipe() -> None:
        connections.close_all()
        if connection.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(connection.settings_dict["NAME"] + suffix).unlink(missing_ok=True)
        else:
            with connection.cursor() as cursor:
                cursor.execute("DROP SCHEMA public CASCADE")
                cursor.execute("CREATE SCHEMA public")
            connections.close_all()
        shutil.rmtree(media_root)

    return wipe
