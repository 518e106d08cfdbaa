from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CardsConfig(AppConfig):
    """Decks and cards: authoring, Markdown rendering, the demo deck."""

    name = "apps.cards"
    label = "cards"

    def ready(self) -> None:
        post_migrate.connect(_text_index_repair, sender=self)


def _text_index_repair(sender, using, **kwargs) -> None:
    """After a migration rebuilt ``cards_card`` on SQLite (which drops its triggers), keep the text index in step again."""
    from django.db import connections

    from apps.cards.text_index import text_index_repair

    text_index_repair(connections[using])
