"""Read any supported deck file: the format is chosen by the file's content, not only its name."""

import zipfile
from pathlib import Path

from apps.cards.deck_files.anki_package import read_anki_package
from apps.cards.deck_files.limits import ImportLimits, readable_size
from apps.cards.deck_files.records import DeckFile, DeckFileError
from apps.cards.deck_files.tabular import read_tabular
from apps.cards.rendering import card_text_problem

ANKI_SUFFIXES = (".apkg", ".colpkg", ".anki2", ".anki21", ".anki21b")
TABULAR_SUFFIXES = (".csv", ".tsv", ".tab", ".txt")
SUPPORTED = ", ".join(ANKI_SUFFIXES + TABULAR_SUFFIXES)


def read_deck_file(path: Path, *, limits: ImportLimits, title: str = "", name: str = "") -> DeckFile:
    """The deck in the file at ``path`` (``name`` is the uploaded name, when it differs), or DeckFileError.

    Every card side is held to the limits a card typed in the form has, and a refusal
    names the card's line or note.
    """
    deck_file = _read_any_format(path, limits=limits, title=title, name=name or path.name)
    for row in deck_file.cards:
        for side, text in (("front", row.front), ("back", row.back)):
            problem = card_text_problem(text)
            if problem:
                raise DeckFileError(f"{row.source}: {side}: {problem}")
    return deck_file


def _read_any_format(path: Path, *, limits: ImportLimits, title: str, name: str) -> DeckFile:
    size = path.stat().st_size
    if size > limits.max_upload_bytes:
        raise DeckFileError(f"the file is {readable_size(size)}, more than the {readable_size(limits.max_upload_bytes)} allowed")
    suffix = Path(name).suffix.lower()
    stem_title = title or Path(name).stem
    if suffix in ANKI_SUFFIXES:
        return read_anki_package(path, limits=limits, title=title, name=name)
    if suffix in TABULAR_SUFFIXES:
        if zipfile.is_zipfile(path):
            raise DeckFileError(f"{name} is a zip archive, not a text file; Anki packages end in .apkg or .colpkg")
        return read_tabular(path, limits=limits, title=stem_title)
    raise DeckFileError(f"{name}: unsupported file type; import one of {SUPPORTED}")
