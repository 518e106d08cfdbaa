"""Study-log tables and the loaders that build them from files."""

from knowledge_tracing.data.table import StudyLogTable

__all__ = ["StudyLogTable"]
