"""Model files in media storage: written with their SHA-256, read back only when the checksum matches."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage

from apps.modeling.models import ModelVersion
from knowledge_tracing.models.base import StudentModel

ARTIFACT_FOLDER = "models"


class ArtifactCorrupted(RuntimeError):
    """The stored file is not the one trained: its checksum differs."""


def artifact_store(*, model: StudentModel, label: str) -> tuple[str, str]:
    """Save the fitted model under media storage; return (storage name, SHA-256)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{label}.pt"
        model.save(path)
        checksum = hashlib.sha256(path.read_bytes()).hexdigest()
        with path.open("rb") as handle:
            name = default_storage.save(f"{ARTIFACT_FOLDER}/{label}.pt", File(handle))
    return name, checksum


def artifact_load(version: ModelVersion) -> StudentModel:
    """The version's fitted model, after checking the stored file against its checksum."""
    with default_storage.open(version.artifact.name, "rb") as handle:
        payload = handle.read()
    if hashlib.sha256(payload).hexdigest() != version.checksum:
        raise ArtifactCorrupted(f"{version.artifact.name} does not match the checksum of {version.label}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.pt"
        path.write_bytes(payload)
        return StudentModel.load(path)
