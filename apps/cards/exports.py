"""A deck written to a file, as CSV or an Anki package, for the export page and ``manage.py export_deck``."""

import time
from pathlib import Path

from apps.cards.deck_files.anki_writer import write_anki_package
from apps.cards.deck_files.tabular_writer import write_cards_csv
from apps.cards.models import Deck
from apps.cards.selectors import deck_export_records

EXPORT_FORMATS = {"csv": ".csv", "apkg": ".apkg"}


def deck_export_to_file(*, deck: Deck, export_format: str, target: Path, viewer=None, learner=None) -> None:
    """Write the deck and the decks below it (those ``viewer`` may study); an .apkg carries ``learner``'s review history when one is given."""
    if export_format not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {export_format!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    package = export_format == "apkg"
    records = deck_export_records(deck, viewer=viewer, learner=learner if package else None, with_media=package)
    if not package:
        write_cards_csv(target, cards=records.cards)
    else:
        write_anki_package(
            target, title=deck.title, cards=records.cards, reviews=records.reviews, media=records.media, created_at=time.time()
        )
