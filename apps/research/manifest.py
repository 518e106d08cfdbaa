"""The manifest of an export: what is in it, how it was made, and a SHA-256 of every file."""

import hashlib
import json
import subprocess
import tomllib
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from apps.research.writers import WrittenFile
from knowledge_tracing.data.columns import REVLOG_COLUMN_TYPES, STUDYLOG_COLUMN_TYPES

MANIFEST_NAME = "manifest.json"
HASH_BLOCK_BYTES = 1 << 20


@lru_cache(maxsize=1)
def software_version() -> dict:
    """Mnemo's version from pyproject.toml and, when the code is a git checkout, its commit."""
    version = tomllib.loads((settings.BASE_DIR / "pyproject.toml").read_text())["project"]["version"]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {"name": "mnemo", "version": version, "commit": commit}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(HASH_BLOCK_BYTES):
            digest.update(block)
    return digest.hexdigest()


def schema_of(export_format: str, columns: tuple[str, ...]) -> list[dict]:
    types = REVLOG_COLUMN_TYPES if export_format == "fsrs" else {name: STUDYLOG_COLUMN_TYPES[name] for name in columns}
    return [{"name": name, "type": kind} for name, kind in types.items()]


def manifest_of(
    *, export_format: str, columns: tuple[str, ...], files: list[dict], filters: dict, options: dict
) -> dict:
    """The manifest for already-hashed files ({"name", "rows", "sha256", "bytes"} each)."""
    return {
        "format": export_format,
        "created_at": timezone.now().isoformat(),
        "software": software_version(),
        "schema": schema_of(export_format, columns),
        "filters": filters,
        "options": options,
        "rows": sum(file["rows"] for file in files),
        "files": files,
        "pseudonyms": "HMAC-SHA256 of the user id keyed with MNEMO_RESEARCH_PSEUDONYM_KEY",
    }


def manifest_write(*, directory: Path, written: list[WrittenFile], **description) -> Path:
    """Hash each written file and write ``manifest.json`` beside them; returns its path."""
    files = [
        {"name": file.name, "rows": file.rows, "sha256": file_sha256(directory / file.name), "bytes": (directory / file.name).stat().st_size}
        for file in written
    ]
    path = directory / MANIFEST_NAME
    path.write_text(json.dumps(manifest_of(files=files, **description), indent=2) + "\n", encoding="utf-8")
    return path
