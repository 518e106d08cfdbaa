from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """People's rights over their data: downloading all of it, and deleting their account (docs/privacy.md)."""

    name = "apps.privacy"
    verbose_name = "Privacy"
