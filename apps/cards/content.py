"""Card text helpers: the content hash that keys cached embeddings, and tag parsing."""

import hashlib
import re
import unicodedata

TAG_PATTERN = re.compile(r"^[\w:.\-/]+$")
TAG_SEPARATORS = re.compile(r"[,\s]+")


def normalise_text(text: str) -> str:
    """Unicode NFC, line endings unified, runs of whitespace collapsed, ends trimmed."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n")
    return re.sub(r"\s+", " ", text).strip()


def content_hash(front: str, back: str) -> str:
    """SHA-256 of the normalised front and back: unchanged text keeps its cached embedding."""
    payload = normalise_text(front) + "\x1f" + normalise_text(back)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def parse_tags(raw: str) -> list[str]:
    """Split a tag string, lower-case and de-duplicate; raise ValueError naming a bad tag.

    Tags are separated by commas or spaces, the same in the card form, CSV files and
    Anki packages (which use spaces): a tag can hold neither, so either is unambiguous.
    """
    tags: list[str] = []
    for piece in TAG_SEPARATORS.split(raw):
        tag = piece.strip().lower()
        if not tag:
            continue
        if not TAG_PATTERN.match(tag):
            raise ValueError(f"tag {tag!r} may only contain letters, digits and : . - / _")
        if tag not in tags:
            tags.append(tag)
    return tags


def format_tags(tags: list[str]) -> str:
    """Tags as the card form and CSV exports write them: ``geography, capitals``."""
    return ", ".join(tags)
