"""The student-model kinds the application trains, looked up in the library's model registry (imported on first use)."""

from django.conf import settings

from knowledge_tracing.models import MODEL_REGISTRY
from apps.modeling.models import MODEL_KINDS


def check_kind(kind: str) -> str:
    """``kind`` if the app can train it; ValueError naming the known kinds otherwise."""
    if kind not in MODEL_KINDS or kind not in MODEL_REGISTRY:
        raise ValueError(f"unknown model kind {kind!r}; known kinds: {', '.join(MODEL_KINDS)}")
    return kind


def check_hyperparameters(kind: str, hyperparameters) -> dict:
    """``hyperparameters`` if ``kind``'s model accepts them; ValueError saying which one is wrong otherwise.

    Checked when a run is requested, so a typo is refused at once instead of failing
    the run on a worker later.
    """
    if not isinstance(hyperparameters, dict):
        raise ValueError(f"hyper-parameters must be a JSON object of name: value, got {hyperparameters!r}")
    MODEL_REGISTRY[check_kind(kind)].check_hyperparameters(hyperparameters)
    return hyperparameters


def training_hyperparameters(kind: str, requested: dict) -> dict:
    """A run's hyper-parameters as it trains: ``requested``, with the time budget added where ``kind`` has one.

    ``MNEMO_TRAINING_MAX_SECONDS`` bounds the epochs of the sequence models, whose
    epochs grow with the logs: past it the model stops with its best validated epoch
    instead of running into the worker's soft time limit with nothing to show. A run
    that names ``max_train_seconds`` keeps its own. ``kind`` is any kind of the library's
    registry: a run's was checked when it was requested, and the training bench also
    measures kinds the app does not train (logreg).
    """
    if "max_train_seconds" not in MODEL_REGISTRY[kind].default_hyperparameters:
        return requested
    return {"max_train_seconds": settings.MNEMO_TRAINING_MAX_SECONDS, **requested}
