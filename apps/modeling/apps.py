from django.apps import AppConfig


class ModelingConfig(AppConfig):
    """Training runs, model versions, card embeddings, calibration and serving the active model."""

    name = "apps.modeling"
    label = "modeling"

    def ready(self) -> None:
        from apps.modeling import signals  # noqa: F401  (embeds cards when their text changes)
        from apps.modeling.serving import active_model_for_deck
        from apps.study.student_model import serve_active_models_with

        serve_active_models_with(active_model_for_deck)
