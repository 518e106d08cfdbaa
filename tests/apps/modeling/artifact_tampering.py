"""Replace a trained version's artifact with a changed copy of its model: versions that fail to score or predict badly."""

import numpy as np

from apps.modeling.artifacts import artifact_load, artifact_store
from apps.modeling.models import ModelVersion


def tampered(version: ModelVersion, change) -> ModelVersion:
    """``version`` with its stored artifact replaced by its model after ``change(model)``, checksum and all.

    The server then loads the changed model as that version: a way to make a real,
    trained version fail to score or predict badly.
    """
    model = artifact_load(version)
    change(model)
    name, checksum = artifact_store(model=model, label=f"{version.label}-tampered")
    version.artifact.name, version.checksum = name, checksum
    version.save(update_fields=["artifact", "checksum"])
    return version


def unscorable(model) -> None:
    """An HLR with one weight instead of three: it loads, then fails to score."""
    model.weights = np.array([1.0])


def predicting_first_sightings_at(recall: float):
    """A change that makes an HLR predict ``recall`` for every card a learner has never answered."""

    def change(model) -> None:
        model.first_rate = recall

    return change
