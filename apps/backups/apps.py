from django.apps import AppConfig


class BackupsConfig(AppConfig):
    """Backups of the database, media and model artifacts into one verified archive, and their restore."""

    name = "apps.backups"
    label = "backups"
