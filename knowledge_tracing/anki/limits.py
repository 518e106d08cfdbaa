"""How much one Anki file may hold, as plain numbers; reading refuses past any of them before holding the excess in memory."""

from dataclasses import dataclass

MB = 1024 * 1024


class AnkiFileError(ValueError):
    """A file that cannot be read as an Anki collection or package; the message names the entry or record and the problem."""


@dataclass(frozen=True)
class ReadLimits:
    """The bounds a read is held to. The defaults suit a large personal collection; the app passes its settings."""

    max_unpacked_bytes: int = 1024 * MB
    max_archive_entries: int = 100_000
    max_media_file_bytes: int = 100 * MB
    max_cards: int = 100_000
    max_notes: int = 100_000
    max_review_logs: int = 1_000_000
    max_note_types: int = 1_000
    max_fields: int = 100
    max_templates: int = 100
    max_decks: int = 10_000
    max_template_chars: int = 100_000
    max_field_chars: int = 1_000_000
    # SQLite virtual-machine steps one read may take (a hostile file cannot keep a worker busy).
    max_sqlite_steps: int = 4_000_000_000


def readable_size(size: int) -> str:
    """A byte count as the error messages give it: ``12 MB``, ``3 KB``."""
    if size >= MB:
        return f"{size // MB} MB"
    return f"{max(1, size // 1024)} KB" if size >= 1024 else f"{size} bytes"
