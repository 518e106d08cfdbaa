from django.apps import AppConfig


class BrowserConfig(AppConfig):
    """The card browser: Anki's search words over the cards a user may see, sortable columns, bulk actions."""

    name = "apps.browser"
    label = "browser"
