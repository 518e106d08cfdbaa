"""The limits every import is held to, from settings: upload size, cards, unpacked size (zip bombs)."""

from dataclasses import dataclass

from django.conf import settings


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


def readable_size(size: int) -> str:
    """A byte count as the error messages give it: ``12 MB``, ``3 KB``."""
    if size >= 1024 * 1024:
        return f"{size // (1024 * 1024)} MB"
    return f"{max(1, size // 1024)} KB" if size >= 1024 else f"{size} bytes"
