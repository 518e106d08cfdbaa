"""Card text helpers: the content hash that keys cached embeddings, and tag parsing."""

import hashlib
import re
import unicodedata

TAG_PATTERN = re.compile(r"^[\w:.\-/]+$")


def normalise_text(text: str) -> str:
    """Unicode NFC, line endings unified, runs of whitespace collapsed, ends trimmed."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n")
    return re.sub(r"\s+", " ", text).strip()


def content_hash(front: str, back: str) -> str:
    """SHA-256 of the normalised front and back: unchanged text keeps its cached embedding."""
    payload = normalise_text(front) + "\x1f" + normalise_text(back)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def parse_tags(raw: str, separator: str) -> list[str]:
    """Split a tag string, lower-case and de-duplicate; raise ValueError naming a bad tag."""
    tags: list[str] = []
    for piece in raw.split(separator):
        tag = piece.strip().lower()
        if not tag:
            continue
        if not TAG_PATTERN.match(tag):
            raise ValueError(f"tag {tag!r} may only contain letters, digits and : . - / _")
        if tag not in tags:
            tags.append(tag)
    return tags
