from django.apps import AppConfig


class CardsConfig(AppConfig):
    """Decks and cards: authoring, Markdown rendering, the demo deck."""

    name = "apps.cards"
    label = "cards"
