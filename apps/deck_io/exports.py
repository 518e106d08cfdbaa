"""A deck or a whole collection written to a file, for the export page and ``manage.py export_deck``/``export_collection``.

CSV holds a note per row (``apps.cards.selectors.deck_export_notes``); an ``.apkg`` holds a deck with every deck below it (those the
exporting user may study); a ``.colpkg`` holds all of a learner's decks. Both Anki
packages carry note types, notes, cards and media and, when a learner is given, that
learner's scheduling state and answers (``apps.deck_io.anki_export``, written by
``knowledge_tracing.anki.writer``).
"""

from pathlib import Path

from apps.deck_io.anki_export import anki_export_records
from apps.cards.deck_files.tabular_writer import write_notes_csv
from apps.cards.models import Deck
from apps.cards.selectors import deck_export_notes, deck_subtree
from knowledge_tracing.anki.writer import write_package

EXPORT_FORMATS = {"csv": ".csv", "apkg": ".apkg"}
COLLECTION_SUFFIX = ".colpkg"


def deck_export_to_file(*, deck: Deck, export_format: str, target: Path, viewer=None, learner=None) -> None:
    """Write the deck and the decks below it (those ``viewer`` may study); an .apkg carries ``learner``'s history when one is given."""
    if export_format not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {export_format!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    if export_format == "csv":
        write_notes_csv(target, notes=deck_export_notes(deck, viewer=viewer))
    else:
        _write_package(target, decks=list(deck_subtree(deck, open_to=viewer)), learner=learner, viewer=viewer)


def collection_export_to_file(*, owner, target: Path) -> None:
    """Write all of ``owner``'s live decks, with their history, as a .colpkg (a whole Anki collection)."""
    _write_package(target, decks=list(Deck.objects.filter(owner=owner).order_by("title")), learner=owner, viewer=owner)


def _write_package(target: Path, *, decks: list[Deck], learner, viewer) -> None:
    export = anki_export_records(decks=decks, learner=learner, viewer=viewer)
    write_package(target, export.collection, media=((item.name, _read(item)) for item in export.media))


def _read(media) -> bytes:
    with media.file.open("rb") as handle:
        return handle.read()
