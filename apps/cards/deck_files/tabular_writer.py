"""Write cards as CSV with a front, back, tags header (tags comma-separated), as the CSV import reads them."""

import csv
from pathlib import Path

from apps.cards.content import format_tags
from apps.cards.deck_files.records import CardRow


def write_cards_csv(target: Path, *, cards: list[CardRow]) -> None:
    with open(target, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["front", "back", "tags"])
        writer.writerows([card.front, card.back, format_tags(card.tags)] for card in cards)
