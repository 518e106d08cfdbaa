"""``manage.py backup [--output DIR] [--keep N]``: database, media and model artifacts into one archive; prints its path last."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.backups.services import backup_create, backups_prune


class Command(BaseCommand):
    help = "Back up the database (a consistent snapshot, safe while the site runs), media and model artifacts into one archive."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="folder to write into (default MNEMO_BACKUP_DIR)")
        parser.add_argument("--keep", type=int, help="then delete all but the newest N archives in that folder")

    def handle(self, *args, output: Path | None, keep: int | None, **options):
        folder = output or Path(settings.MNEMO_BACKUP_DIR)
        if keep is not None and keep < 1:
            raise CommandError("--keep must be at least 1")
        archive = backup_create(folder=folder)
        if keep is not None:
            for deleted in backups_prune(folder=folder, keep=keep):
                self.stdout.write(f"deleted {deleted}")
        self.stdout.write(str(archive))
