"""``manage.py import_deck PATH --owner USERNAME [--title TITLE]``: a CSV/TSV file or Anki package as a new deck.

The last line printed is one JSON object: ``{"deck", "cards", "notes", "review_logs", "skipped"}``.
"""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.cards.deck_files.limits import ImportLimits
from apps.cards.deck_files.reading import read_deck_file
from apps.cards.deck_files.records import DeckFileError
from apps.deck_io.services import deck_import_file


class Command(BaseCommand):
    help = "Import a deck (CSV, TSV, .apkg or .colpkg, with Anki's review history) for a user."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--owner", required=True, help="username of the learner who owns the deck and its history")
        parser.add_argument("--title", default="", help="deck title (default: the Anki deck's or the file's name)")

    def handle(self, *args, path: Path, owner: str, title: str, **options):
        user = get_user_model().objects.filter(username=owner).first()
        if user is None:
            raise CommandError(f"no user named {owner!r}")
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            deck_file = read_deck_file(path, limits=ImportLimits.from_settings(), title=title)
        except DeckFileError as error:
            raise CommandError(f"{path.name}: {error}") from error
        result = deck_import_file(owner=user, deck_file=deck_file, title=title)
        self.stdout.write(f"Imported “{result.deck.title}”: {result.cards} cards, {result.review_logs} review logs.")
        self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
