"""The contract every student model fulfils, and the registry that names them.

A model predicts, for every row of a study-log table, the probability that the
row's answer is a recall, using only the rows of the same learner that come before
it (earlier time, or earlier position at equal time). Training, evaluation, the
scheduler and the web application all rely on that one rule: the prediction for a
row never depends on that row's answer or on anything after it.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, ClassVar

import numpy as np

from knowledge_tracing.data.table import StudyLogTable
from knowledge_tracing.registry import Registry

MODEL_REGISTRY = Registry(
    "model",
    "models",
    # Each model's module is imported when its name is first looked up, so listing the
    # models or loading one kind does not import PyTorch for the others.
    modules={
        "akt": "knowledge_tracing.models.akt",
        "cakt": "knowledge_tracing.models.cakt",
        "constant": "knowledge_tracing.models.constant",
        "dkt": "knowledge_tracing.models.dkt",
        "fsrs6": "knowledge_tracing.models.fsrs6",
        "fsrs6-default": "knowledge_tracing.models.fsrs6",
        "fsrs7": "knowledge_tracing.models.fsrs7",
        "fsrs7-default": "knowledge_tracing.models.fsrs7",
        "gru": "knowledge_tracing.models.gru",
        "hlr": "knowledge_tracing.models.hlr",
        "karl": "knowledge_tracing.models.karl",
        "logreg": "knowledge_tracing.models.logreg",
        "moving-avg": "knowledge_tracing.models.moving_average",
    },
)

ProgressCallback = Callable[[dict], None]


def register_model(cls: type["StudentModel"]) -> type["StudentModel"]:
    """Class decorator: make a model available by its ``name``."""
    return MODEL_REGISTRY.register(cls)


def create_model(name: str, **hyperparameters) -> "StudentModel":
    """Instantiate a registered model by name, with defaults for anything not given."""
    return MODEL_REGISTRY.create(name, **hyperparameters)


@dataclass
class FitReport:
    """What training did: per-epoch history and the epoch kept (chosen on validation)."""

    epochs: list[dict] = field(default_factory=list)
    best_epoch: int | None = None
    train_seconds: float = 0.0
    stopped_by: str = ""
    """What ended an epoch loop: "patience", "max_epochs" or "time budget" ("" for models without one)."""


class StudentModel(ABC):
    """fit / predict_proba / save / load, with hyper-parameter defaults on the class.

    Subclasses set ``name`` and ``default_hyperparameters`` and implement ``fit``,
    ``predict_proba``, ``_state`` and ``_restore``. The device is passed explicitly
    (``device="cpu"`` by default) and every source of randomness is seeded by ``seed``.
    """

    name: ClassVar[str]
    default_hyperparameters: ClassVar[dict] = {}
    requires_timestamps: ClassVar[bool] = False
    """Whether the model cannot run without real timestamps (it models the time between reviews).

    The evaluation command skips such a model, with a reason, on data that has only
    the order of answers (ASSISTments).
    """
    uses_validation: ClassVar[bool] = True
    """Whether ``fit`` chooses anything on the validation rows; if not, the evaluation command trains it on them too."""
    reads_time: ClassVar[bool] = True
    """Whether a row's prediction depends on when it is asked, so that asking at a later moment forecasts forgetting.

    Models that read only the order of answers (DKT, CAKT) and the constant set it
    False: their prediction of a card's next answer is the same whenever it comes, and
    the dashboards say so where they show it as recall at a later moment.
    """

    def __init__(self, *, seed: int = 0, device: str = "cpu", **hyperparameters) -> None:
        self.check_hyperparameters(hyperparameters)
        self.seed = seed
        self.device = device
        self.hyperparameters = {**self.default_hyperparameters, **hyperparameters}

    @classmethod
    def check_hyperparameters(cls, hyperparameters: dict) -> None:
        """ValueError unless every setting is known and of its default's kind.

        Settings often arrive as text (the command line, the admin), where the string
        "false" would pass as a true flag and "10" as a size; None stands for "no
        limit" wherever a default is a number.
        """
        unknown = set(hyperparameters) - set(cls.default_hyperparameters)
        if unknown:
            raise ValueError(f"{cls.name}: unknown hyper-parameters {sorted(unknown)}")
        for key, value in hyperparameters.items():
            default = cls.default_hyperparameters[key]
            kind, types = _accepted(default)
            # bool is a subclass of int, so a flag would otherwise pass as a number.
            if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
                raise ValueError(f"{cls.name}: hyper-parameter {key} must be a {kind} like {default!r}, got {value!r}")

    @abstractmethod
    def fit(
        self,
        train: StudyLogTable,
        valid: StudyLogTable | None = None,
        *,
        progress: ProgressCallback | None = None,
    ) -> FitReport:
        """Learn from ``train``; choose epochs or stopping on ``valid`` only."""

    @abstractmethod
    def predict_proba(self, table: StudyLogTable) -> np.ndarray:
        """P(recall) for every row, from the same learner's earlier rows only."""

    @abstractmethod
    def _state(self) -> dict:
        """Everything needed to rebuild the fitted model (tensors, arrays, numbers)."""

    @abstractmethod
    def _restore(self, state: dict) -> None:
        """Inverse of ``_state`` on a freshly constructed model."""

    def save(self, path: str | Path) -> None:
        """Write the fitted model to one file (torch's zip format, no pickled code)."""
        import torch

        payload = {
            "name": self.name,
            "seed": self.seed,
            "hyperparameters": json.dumps(self.hyperparameters),
            "state": self._state(),
        }
        torch.save(payload, Path(path))

    @classmethod
    def load(cls, path: str | Path, *, device: str = "cpu") -> "StudentModel":
        """Read a file written by ``save``; works on the base class or the right subclass."""
        import torch

        payload = torch.load(Path(path), map_location=device, weights_only=True)
        model_class = MODEL_REGISTRY[payload["name"]]
        if cls is not StudentModel and model_class is not cls:
            raise ValueError(f"{path} holds a {payload['name']!r} model, not {cls.name!r}")
        model = model_class(seed=payload["seed"], device=device, **json.loads(payload["hyperparameters"]))
        model._restore(payload["state"])
        return model


def _accepted(default) -> tuple[str, tuple[type, ...]]:
    """The name of ``default``'s kind, for messages, and the types that may stand in its place.

    A whole number is also a number, and None ("no limit") may replace any number.
    """
    if isinstance(default, bool):
        return "boolean", (bool,)
    if isinstance(default, int):
        return "whole number", (int, type(None))
    if isinstance(default, float):
        return "number", (int, float, type(None))
    if isinstance(default, (list, tuple)):
        return "list", (list, tuple)
    return type(default).__name__, (type(default),)
