"""Student models: one contract (``StudentModel``), a registry by name.

Every model is known to the registry by name; its module (and PyTorch, for the neural
ones) is imported when the name is first looked up, so ``create_model("karl")`` works
without importing any model here.
"""

from knowledge_tracing.models.base import (
    MODEL_REGISTRY,
    FitReport,
    StudentModel,
    create_model,
    register_model,
)

__all__ = ["MODEL_REGISTRY", "FitReport", "StudentModel", "create_model", "register_model"]
