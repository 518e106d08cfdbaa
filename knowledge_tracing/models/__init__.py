"""Student models: one contract (``StudentModel``), a registry by name.

Importing this package registers every model, so ``create_model("karl")`` works.
"""

from knowledge_tracing.models.base import (
    MODEL_REGISTRY,
    FitReport,
    StudentModel,
    create_model,
    register_model,
)
from knowledge_tracing.models import cakt, constant, dkt, fsrs6, hlr, karl, logreg  # noqa: F401  (registers the models)

__all__ = ["MODEL_REGISTRY", "FitReport", "StudentModel", "create_model", "register_model"]
