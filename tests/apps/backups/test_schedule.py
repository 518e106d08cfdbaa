"""Beat takes a backup every night and the folder keeps the newest MNEMO_BACKUP_KEEP."""

import pytest
from django.conf import settings as django_settings

from apps.backups.tasks import backup_nightly
from config.celery import app

pytestmark = pytest.mark.django_db


def test_beat_runs_the_nightly_backup_task():
    entry = django_settings.CELERY_BEAT_SCHEDULE["backup-nightly"]
    assert entry["task"] in app.tasks
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({2}, {30})


def test_the_nightly_backup_keeps_the_newest_archives(settings, tmp_path, media_root, owner):
    settings.MNEMO_BACKUP_DIR = tmp_path / "nightly"
    settings.MNEMO_BACKUP_KEEP = 2
    written = [backup_nightly() for _ in range(3)]
    kept = sorted(str(path) for path in settings.MNEMO_BACKUP_DIR.iterdir())
    assert kept == sorted(written[1:])
