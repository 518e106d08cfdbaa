"""``manage.py export_collection --owner USERNAME --output PATH.colpkg``: all of a learner's decks, with their history, for Anki."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.deck_io.exports import collection_export_to_file


class Command(BaseCommand):
    help = "Export a learner's whole collection (every deck, note type, note, card, media file and their review log) as a .colpkg."

    def add_arguments(self, parser):
        parser.add_argument("--owner", required=True, help="username of the learner whose collection is exported")
        parser.add_argument("--output", type=Path, required=True)

    def handle(self, *args, owner: str, output: Path, **options):
        user = get_user_model().objects.filter(username=owner).first()
        if user is None:
            raise CommandError(f"no user named {owner!r}")
        collection_export_to_file(owner=user, target=output)
        self.stdout.write(str(output))
