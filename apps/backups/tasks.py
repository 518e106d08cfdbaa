"""Celery task of the backups: the nightly backup (beat), keeping the last ``MNEMO_BACKUP_KEEP``."""

from pathlib import Path

from celery import shared_task
from django.conf import settings

from apps.backups.services import backup_create, backups_prune


@shared_task
def backup_nightly() -> str:
    """Write a backup into ``MNEMO_BACKUP_DIR``, then delete all but the newest ``MNEMO_BACKUP_KEEP``; returns the archive's path."""
    folder = Path(settings.MNEMO_BACKUP_DIR)
    archive = backup_create(folder=folder)
    backups_prune(folder=folder, keep=settings.MNEMO_BACKUP_KEEP)
    return str(archive)
