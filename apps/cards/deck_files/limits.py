"""The limits every import is held to, from settings: upload size, cards, unpacked size (zip bombs), review logs."""

from dataclasses import dataclass

from django.conf import settings

from knowledge_tracing.anki.limits import ReadLimits, readable_size

__all__ = ["ImportLimits", "readable_size"]


@dataclass(frozen=True)
class ImportLimits:
    max_upload_bytes: int
    max_cards: int
    max_unpacked_bytes: int
    max_review_logs: int

    @classmethod
    def from_settings(cls) -> "ImportLimits":
        return cls(
            max_upload_bytes=settings.MNEMO_IMPORT_MAX_UPLOAD_BYTES,
            max_cards=settings.MNEMO_IMPORT_MAX_CARDS,
            max_unpacked_bytes=settings.MNEMO_IMPORT_MAX_UNPACKED_BYTES,
            max_review_logs=settings.MNEMO_IMPORT_MAX_REVIEW_LOGS,
        )

    def anki(self) -> ReadLimits:
        """The Anki reader's limits: these settings, and the library's defaults for the rest (note types, fields, decks)."""
        return ReadLimits(
            max_unpacked_bytes=self.max_unpacked_bytes, max_cards=self.max_cards, max_notes=self.max_cards,
            max_review_logs=self.max_review_logs,
        )
