"""Write a collection (the reader's records) as an Anki package: ``.apkg`` for decks, ``.colpkg`` for a whole collection.

The package is Anki's legacy layout, which every Anki since 2.0 imports and current
Anki still reads: a zip holding ``collection.anki2`` (SQLite, schema 11: note types,
decks and deck options as JSON in the ``col`` row; notes, cards and the review log in
their tables), ``media`` (JSON from zip entry ``0``, ``1``, ... to file name) and the
media files themselves. Schema 11 is chosen over the current zstd/protobuf layout
because it is documented by Anki's own legacy exporter and needs no protobuf writing,
while holding everything Mnemo keeps: note types with their templates and field names,
cloze kind, the deck tree with option presets, tags, each card's scheduling state
(FSRS memory state in the card's ``data``, as Anki keeps it) and the review log.

The collection declares scheduler v2 (``schedVer``), so Anki takes the review log's
answers at their face value (1-4) instead of upgrading them from the first scheduler.
"""

import dataclasses
import hashlib
import html
import json
import re
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path

from knowledge_tracing.anki.reader import media_name_problem
from knowledge_tracing.anki.records import (
    CARD_STATES,
    DECK_SEPARATOR,
    DEFAULT_DECK_ID,
    DEFAULT_PRESET_ID,
    LEARNING,
    NEW,
    RELEARNING,
    REVIEW,
    Card,
    Collection,
    Deck,
    DeckPreset,
    Note,
    NoteType,
)

SCHEMA = """
CREATE TABLE col (id integer PRIMARY KEY, crt integer NOT NULL, mod integer NOT NULL, scm integer NOT NULL,
  ver integer NOT NULL, dty integer NOT NULL, usn integer NOT NULL, ls integer NOT NULL, conf text NOT NULL,
  models text NOT NULL, decks text NOT NULL, dconf text NOT NULL, tags text NOT NULL);
CREATE TABLE notes (id integer PRIMARY KEY, guid text NOT NULL, mid integer NOT NULL, mod integer NOT NULL,
  usn integer NOT NULL, tags text NOT NULL, flds text NOT NULL, sfld integer NOT NULL, csum integer NOT NULL,
  flags integer NOT NULL, data text NOT NULL);
CREATE TABLE cards (id integer PRIMARY KEY, nid integer NOT NULL, did integer NOT NULL, ord integer NOT NULL,
  mod integer NOT NULL, usn integer NOT NULL, type integer NOT NULL, queue integer NOT NULL, due integer NOT NULL,
  ivl integer NOT NULL, factor integer NOT NULL, reps integer NOT NULL, lapses integer NOT NULL, left integer NOT NULL,
  odue integer NOT NULL, odid integer NOT NULL, flags integer NOT NULL, data text NOT NULL);
CREATE TABLE revlog (id integer PRIMARY KEY, cid integer NOT NULL, usn integer NOT NULL, ease integer NOT NULL,
  ivl integer NOT NULL, lastIvl integer NOT NULL, factor integer NOT NULL, time integer NOT NULL, type integer NOT NULL);
CREATE TABLE graves (usn integer NOT NULL, oid integer NOT NULL, type integer NOT NULL);
CREATE INDEX ix_notes_usn ON notes (usn);
CREATE INDEX ix_cards_usn ON cards (usn);
CREATE INDEX ix_revlog_usn ON revlog (usn);
CREATE INDEX ix_cards_nid ON cards (nid);
CREATE INDEX ix_cards_sched ON cards (did, queue, due);
CREATE INDEX ix_revlog_cid ON revlog (cid);
CREATE INDEX ix_notes_csum ON notes (csum);
"""
SCHEMA_VERSION = 11
DEFAULT_DECK_NAME = "Default"
CLOZE_TYPE, STANDARD_TYPE = 1, 0
QUEUE_NEW, QUEUE_LEARNING, QUEUE_REVIEW, QUEUE_SUSPENDED, QUEUE_BURIED = 0, 1, 2, -1, -3
DEFAULT_EASE_PERMILLE = 2500
SECONDS_PER_DAY = 86_400
TAG = re.compile(r"<[^>]*>")
FIELD_SEPARATOR = "\x1f"


def write_package(target: Path, collection: Collection, *, media: Iterable[tuple[str, bytes]] = ()) -> None:
    """Write ``collection`` and the ``media`` files (name, bytes; read one at a time) as a package at ``target``.

    The same layout serves ``.apkg`` and ``.colpkg``: Anki tells them apart by how it
    is asked to import the file. Raises ValueError for a media name that is not a plain
    file name, or for a card whose note (or a note whose type) the collection lacks.
    """
    with tempfile.TemporaryDirectory(prefix="anki-write-") as scratch:
        database_path = Path(scratch) / "collection.anki2"
        write_collection(database_path, collection)
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.write(database_path, "collection.anki2")
            names: dict[str, str] = {}
            for index, (name, data) in enumerate(media):
                problem = media_name_problem(name)
                if problem or name in names.values():
                    raise ValueError(f"media {name!r}: {problem or 'written twice'}")
                names[str(index)] = name
                archive.writestr(str(index), data)
            archive.writestr("media", json.dumps(names))


def write_collection(path: Path, collection: Collection) -> None:
    """Write ``collection`` as a schema-11 SQLite collection file at ``path``."""
    _check_references(collection)
    collection = _default_deck_as_ankis(collection)
    created = int(collection.created_at.timestamp())  # review cards' due days count from it
    decks = _with_ancestors({deck.id: deck for deck in collection.decks.values() if not deck.filtered})
    presets = {DEFAULT_PRESET_ID: DeckPreset(id=DEFAULT_PRESET_ID, name="Default"), **collection.presets}
    now_ms = int(time.time() * 1000)
    database = sqlite3.connect(path)
    try:
        database.executescript(SCHEMA)
        database.execute(
            "INSERT INTO col VALUES (1, ?, ?, ?, ?, 0, 0, 0, ?, ?, ?, ?, '{}')",
            (created, now_ms, now_ms, SCHEMA_VERSION, json.dumps(_settings(collection)),
             json.dumps({str(note_type.id): _note_type_json(note_type) for note_type in collection.note_types.values()}),
             json.dumps({str(deck.id): _deck_json(deck, presets) for deck in decks.values()}),
             json.dumps({str(preset.id): _preset_json(preset) for preset in presets.values()})),
        )
        note_types = collection.note_types
        database.executemany("INSERT INTO notes VALUES (?, ?, ?, ?, -1, ?, ?, ?, ?, 0, '')", (_note_row(note, note_types) for note in collection.notes))
        database.executemany(
            "INSERT INTO cards VALUES (?, ?, ?, ?, ?, -1, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?)",
            (_card_row(card, created, position) for position, card in enumerate(collection.cards, start=1)),
        )
        database.executemany("INSERT INTO revlog VALUES (?, ?, -1, ?, ?, ?, ?, ?, ?)", _revlog_rows(collection))
        database.commit()
    finally:
        database.close()


def _check_references(collection: Collection) -> None:
    note_ids = set()
    for note in collection.notes:
        if note.note_type_id not in collection.note_types:
            raise ValueError(f"note {note.id}: its note type {note.note_type_id} is not in the collection")
        note_ids.add(note.id)
    for card in collection.cards:
        if card.note_id not in note_ids:
            raise ValueError(f"card {card.id}: its note {card.note_id} is not in the collection")
        if card.deck_id not in collection.decks or collection.decks[card.deck_id].filtered:
            raise ValueError(f"card {card.id}: its home deck {card.deck_id} is not in the collection")


def _default_deck_as_ankis(collection: Collection) -> Collection:
    """A deck named Default becomes Anki's own Default deck (id 1), so Anki does not add a second one beside it."""
    default = next((deck for deck in collection.decks.values() if deck.name.casefold() == DEFAULT_DECK_NAME.casefold()), None)
    if default is None or default.id == DEFAULT_DECK_ID:
        return collection
    decks = {deck_id: deck for deck_id, deck in collection.decks.items() if deck_id not in (default.id, DEFAULT_DECK_ID)}
    decks[DEFAULT_DECK_ID] = dataclasses.replace(default, id=DEFAULT_DECK_ID)
    moved = {default.id: DEFAULT_DECK_ID}
    cards = [dataclasses.replace(card, deck_id=moved.get(card.deck_id, card.deck_id)) for card in collection.cards]
    return dataclasses.replace(collection, decks=decks, cards=cards)


def _settings(collection: Collection) -> dict:
    return {
        "schedVer": 2, "sched2021": True, "activeDecks": [DEFAULT_DECK_ID], "curDeck": DEFAULT_DECK_ID, "newSpread": 0,
        "collapseTime": 1200, "timeLim": 0, "estTimes": True, "dueCounts": True, "nextPos": len(collection.cards) + 1,
        "sortType": "noteFld", "sortBackwards": False, "addToCur": True, "dayLearnFirst": False,
        "curModel": next(iter(collection.note_types), None),
    }


def _note_type_json(note_type: NoteType) -> dict:
    return {
        "id": note_type.id, "name": note_type.name, "type": CLOZE_TYPE if note_type.is_cloze else STANDARD_TYPE, "mod": 0, "usn": 0,
        "sortf": note_type.sort_field, "did": None,
        "tmpls": [
            {"name": template.name, "ord": ordinal, "qfmt": template.front, "afmt": template.back, "bqfmt": "", "bafmt": "",
             "did": None, "bfont": "", "bsize": 0}
            for ordinal, template in enumerate(note_type.templates)
        ],
        "flds": [
            {"name": name, "ord": ordinal, "sticky": False, "rtl": False, "font": "Arial", "size": 20, "media": []}
            for ordinal, name in enumerate(note_type.fields)
        ],
        "css": note_type.css, "latexPre": note_type.latex_pre, "latexPost": note_type.latex_post, "latexsvg": False,
        "req": [], "tags": [], "vers": [],
    }


def _with_ancestors(decks: dict[int, Deck]) -> dict[int, Deck]:
    """The decks with Anki's Default deck and every parent a deck's name implies (Anki expects a whole tree)."""
    result = {DEFAULT_DECK_ID: Deck(id=DEFAULT_DECK_ID, name=DEFAULT_DECK_NAME, preset_id=DEFAULT_PRESET_ID), **decks}
    names = {deck.name for deck in result.values()}
    next_id = max(result) + 1
    for deck in list(result.values()):
        parts = deck.name.split(DECK_SEPARATOR)
        for depth in range(1, len(parts)):
            ancestor = DECK_SEPARATOR.join(parts[:depth])
            if ancestor not in names:
                result[next_id] = Deck(id=next_id, name=ancestor, preset_id=deck.preset_id)
                names.add(ancestor)
                next_id += 1
    return result


def _deck_json(deck: Deck, presets: dict[int, DeckPreset]) -> dict:
    return {
        "id": deck.id, "name": deck.name, "mod": 0, "usn": 0, "desc": deck.description, "dyn": 0,
        "conf": deck.preset_id if deck.preset_id in presets else DEFAULT_PRESET_ID,
        "collapsed": False, "browserCollapsed": False, "extendNew": 0, "extendRev": 0,
        "newToday": [0, 0], "revToday": [0, 0], "lrnToday": [0, 0], "timeToday": [0, 0],
    }


def _preset_json(preset: DeckPreset) -> dict:
    return {
        "id": preset.id, "name": preset.name, "mod": 0, "usn": 0, "maxTaken": 60, "autoplay": True, "timer": 0, "replayq": True,
        "dyn": False,
        "new": {"delays": list(preset.learn_steps_minutes), "ints": [1, 4, 0], "initialFactor": DEFAULT_EASE_PERMILLE, "order": 1,
                "perDay": preset.new_per_day, "bury": preset.bury_new},
        "lapse": {"delays": list(preset.relearn_steps_minutes), "mult": 0.0, "minInt": 1, "leechFails": 8, "leechAction": 1},
        "rev": {"perDay": preset.reviews_per_day, "ease4": 1.3, "ivlFct": 1.0, "maxIvl": preset.maximum_interval_days,
                "bury": preset.bury_reviews, "hardFactor": 1.2},
        **({"desiredRetention": preset.desired_retention} if preset.desired_retention else {}),
    }


def _plain_text(field: str) -> str:
    return html.unescape(TAG.sub("", field)).strip()


def _note_row(note: Note, note_types: dict[int, NoteType]) -> tuple:
    note_type = note_types[note.note_type_id]
    fields = list(note.fields[: len(note_type.fields)]) + [""] * (len(note_type.fields) - len(note.fields))
    first = _plain_text(fields[0])
    checksum = int(hashlib.sha1(first.encode("utf-8")).hexdigest()[:8], 16)
    tags = f" {' '.join(note.tags)} " if note.tags else ""
    return (note.id, note.guid, note.note_type_id, int(note.modified_at.timestamp()), tags, FIELD_SEPARATOR.join(fields),
            _plain_text(fields[note_type.sort_field]), checksum)


def _card_row(card: Card, created: int, position: int) -> tuple:
    kind = CARD_STATES.index(card.state)
    if card.state == NEW:
        queue, due = QUEUE_NEW, card.new_position if card.new_position is not None else position
    elif card.state in (LEARNING, RELEARNING):
        queue, due = QUEUE_LEARNING, int(card.due_at.timestamp()) if card.due_at else created
    else:
        queue = QUEUE_REVIEW
        due = (int(card.due_at.timestamp()) - created) // SECONDS_PER_DAY if card.due_at else 0
    if card.suspended:
        queue = QUEUE_SUSPENDED
    elif card.buried:
        queue = QUEUE_BURIED
    factor = int(round(card.ease * 1000)) if card.ease else (DEFAULT_EASE_PERMILLE if card.state in (REVIEW, RELEARNING) else 0)
    steps_left = 1 if card.state in (LEARNING, RELEARNING) else 0
    modified = int(card.modified_at.timestamp()) if card.modified_at else created
    return (card.id, card.note_id, card.deck_id, card.ord, modified, kind, queue, due, card.interval_days, factor, card.reps,
            card.lapses, steps_left, card.flag, _card_data(card))


def _card_data(card: Card) -> str:
    """The card's FSRS memory state as Anki keeps it in ``data`` (four decimals), or empty."""
    if card.memory is None:
        return ""
    data = {"s": round(card.memory.stability, 4), "d": round(card.memory.difficulty, 4)}
    if card.memory.desired_retention:
        data["dr"] = round(card.memory.desired_retention, 4)
    if card.memory.last_review_at:
        data["lrt"] = int(card.memory.last_review_at.timestamp())
    return json.dumps(data)


def _revlog_rows(collection: Collection):
    """Review-log rows; ids are answer times in ms, nudged apart when two share one (Anki's primary key)."""
    used: set[int] = set()
    for review in sorted(collection.reviews, key=lambda review: review.id):
        log_id = review.id
        while log_id in used:
            log_id += 1
        used.add(log_id)
        yield (log_id, review.card_id, review.rating, review.interval, review.last_interval, review.ease, review.duration_ms, review.kind)
