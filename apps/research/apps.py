from django.apps import AppConfig


class ResearchConfig(AppConfig):
    """Research consent, pseudonymised study-log exports for researchers, and their manifests."""

    name = "apps.research"
    label = "research"
