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

__all__ = ["MODEL_REGISTRY", "FitReport", "StudentModel", "create_model", "register_model"]
