"""Decks and cards. Deleting only hides them (``deleted_at``): study logs keep pointing at them."""

import uuid

from django.conf import settings
from django.db import models

from apps.base_models import SoftDeletable
from apps.cards.content import content_hash


class Deck(SoftDeletable):
    class Visibility(models.TextChoices):
        PRIVATE = "private", "Private (only me)"
        PUBLIC = "public", "Public (every signed-in user may study it)"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="decks")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE)

    class Meta(SoftDeletable.Meta):
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class Card(SoftDeletable):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    deck = models.ForeignKey(Deck, on_delete=models.PROTECT, related_name="cards")
    front = models.TextField(help_text="Markdown; shown first.")
    back = models.TextField(help_text="Markdown; revealed on Space or Enter.")
    tags = models.JSONField(default=list, blank=True, help_text="Concept tags, lower-case.")
    content_hash = models.CharField(max_length=64, db_index=True, editable=False)

    class Meta(SoftDeletable.Meta):
        ordering = ["id"]
        indexes = [models.Index(fields=["deck", "deleted_at"], name="card_deck_live_idx")]

    def __str__(self) -> str:
        return self.front[:60]

    def save(self, *args, **kwargs):
        """Keep the content hash in step with the text, whoever edits the card."""
        self.content_hash = content_hash(self.front, self.back)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "content_hash"}
        super().save(*args, **kwargs)
