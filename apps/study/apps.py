from django.apps import AppConfig


class StudyConfig(AppConfig):
    """Study sessions, the append-only study log, per-card FSRS state, the study UI and API."""

    name = "apps.study"
    label = "study"
