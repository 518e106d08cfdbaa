"""``manage.py restore ARCHIVE [--replace]``: a backup into this installation, after checking the whole archive."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.backups.archive import ArchiveRefused
from apps.backups.services import RestoreMismatch, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by manage.py backup into a fresh installation (database and media). "
        "A corrupt or mismatched archive is refused before anything changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--replace", action="store_true", help="restore over an installation that already holds accounts or media")

    def handle(self, *args, archive: Path, replace: bool, **options):
        try:
            report = backup_restore(archive=archive, replace=replace)
        except (ArchiveRefused, RestoreMismatch) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"restored {report.tables} tables ({report.rows} rows) and {report.media_files} media files from {archive}")
        if report.newer_migrations:
            self.stdout.write(
                f"this Mnemo has {len(report.newer_migrations)} migration(s) newer than the archive: run manage.py migrate"
            )
