"""Write cards, their review history and media as an Anki package (.apkg) that current Anki imports.

genanki writes the collection (schema 11, ``collection.anki2``: the note type, decks and
notes, with the JSON Anki's importers expect), so Mnemo does not restate Anki's
collection format; the review log is then added to the same SQLite file as revlog rows
before it is zipped with the media map, as genanki's own ``write_to_file`` would.
Every card is a note of Anki's Basic type; ``CardRow.subdeck`` becomes a (nested) deck,
and ``CardRow.anki_card_id`` is the key that ties a ReviewRow to its card.
"""

import hashlib
import itertools
import json
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import genanki

from apps.cards.deck_files.records import CardRow, MediaFile, ReviewRow

REVLOG_LEARN, REVLOG_REVIEW = 0, 1


def write_anki_package(
    target: Path, *, title: str, cards: list[CardRow], reviews: list[ReviewRow], media: list[MediaFile], created_at: float
) -> None:
    decks: dict[str, genanki.Deck] = {}
    notes: dict[str, CardRow] = {}
    for card in cards:
        name = card.subdeck or title
        deck = decks.get(name) or decks.setdefault(name, genanki.Deck(_stable_id(name), name))
        guid = genanki.guid_for(card.source)
        notes[guid] = card
        deck.add_note(genanki.Note(model=genanki.BASIC_MODEL, fields=[card.front, card.back], tags=card.tags, guid=guid))
    with tempfile.TemporaryDirectory(prefix="mnemo-apkg-") as scratch:
        collection = Path(scratch) / "collection.anki2"
        database = sqlite3.connect(collection)
        try:
            genanki.Package(list(decks.values())).write_to_db(database.cursor(), created_at, itertools.count(int(created_at * 1000)))
            anki_ids = {
                notes[guid].anki_card_id: card_id
                for guid, card_id in database.execute("SELECT notes.guid, cards.id FROM cards JOIN notes ON notes.id = cards.nid")
            }
            database.executemany("INSERT INTO revlog VALUES (?, ?, -1, ?, 0, 0, 0, ?, ?)", _revlog_rows(reviews, anki_ids))
            _declare_current_scheduler(database)
            database.commit()
        finally:
            database.close()
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.write(collection, "collection.anki2")
            archive.writestr("media", json.dumps({str(index): item.name for index, item in enumerate(media)}))
            for index, item in enumerate(media):
                archive.writestr(str(index), item.data)


def _declare_current_scheduler(database: sqlite3.Connection) -> None:
    """genanki leaves ``schedVer`` out of the collection's settings, so Anki would take the answers for the first
    scheduler's (three buttons while learning) and raise learning answers 2 and 3 to 3 and 4."""
    conf = json.loads(database.execute("SELECT conf FROM col").fetchone()[0])
    database.execute("UPDATE col SET conf = ?", (json.dumps({**conf, "schedVer": 2}),))


def _stable_id(name: str) -> int:
    """A deck id derived from its name, so exporting twice gives Anki the same deck."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:6], "big") + 1


def _revlog_rows(reviews: list[ReviewRow], anki_ids: dict[int, int]):
    """(id, cid, ease, time, type) per answer; ids are answer times in ms, nudged apart when two share one."""
    used, seen_cards = set(), set()
    for review in sorted(reviews, key=lambda review: review.answered_at):
        log_id = int(review.answered_at.timestamp() * 1000)
        while log_id in used:
            log_id += 1
        used.add(log_id)
        card_id = anki_ids[review.anki_card_id]
        kind = REVLOG_REVIEW if card_id in seen_cards else REVLOG_LEARN
        seen_cards.add(card_id)
        yield log_id, card_id, review.grade, review.response_ms, kind
