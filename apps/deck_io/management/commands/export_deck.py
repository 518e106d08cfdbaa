"""``manage.py export_deck DECK_UUID --format csv|apkg --output PATH [--with-history]``.

With ``--with-history`` the .apkg carries the deck owner's review log (their live study logs).
"""

import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.deck_io.exports import EXPORT_FORMATS, deck_export_to_file
from apps.cards.models import Deck


class Command(BaseCommand):
    help = "Export a deck as CSV or as an Anki package (.apkg), optionally with the owner's review history."

    def add_arguments(self, parser):
        parser.add_argument("deck_uuid", type=uuid.UUID)
        parser.add_argument("--format", dest="export_format", choices=sorted(EXPORT_FORMATS), required=True)
        parser.add_argument("--output", type=Path, required=True)
        parser.add_argument("--with-history", action="store_true", help="include the owner's review log (.apkg only)")

    def handle(self, *args, deck_uuid, export_format: str, output: Path, with_history: bool, **options):
        deck = Deck.objects.select_related("owner").filter(uuid=deck_uuid).first()
        if deck is None:
            raise CommandError(f"no deck {deck_uuid}")
        if with_history and export_format != "apkg":
            raise CommandError("--with-history needs --format apkg (CSV files have no review history)")
        deck_export_to_file(deck=deck, export_format=export_format, target=output, learner=deck.owner if with_history else None)
        self.stdout.write(str(output))
