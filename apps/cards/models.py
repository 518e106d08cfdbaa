"""Decks and cards. Deleting only hides them (``deleted_at``): study logs keep pointing at them."""

import uuid

from django.conf import settings
from django.db import models

from apps.base_models import SoftDeletable
from apps.cards.content import content_hash
from apps.leases import LeasedJob


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
    subdeck = models.CharField(
        max_length=200, blank=True, db_default="", help_text="The Anki deck the card was imported from (e.g. Spanish::Verbs), kept for export."
    )

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


def deck_media_path(media: "DeckMedia", filename: str) -> str:
    return f"deck-media/{media.deck.uuid}/{uuid.uuid4().hex}"


class DeckMedia(models.Model):
    """A media file (image, sound) imported with a deck; cards refer to it by ``name``."""

    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="media")
    name = models.CharField(max_length=255)
    file = models.FileField(upload_to=deck_media_path, max_length=300)
    size = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["deck", "name"], name="deck_media_unique_name")]

    def __str__(self) -> str:
        return f"{self.deck}: {self.name}"


def deck_import_upload_path(deck_import: "DeckImport", filename: str) -> str:
    return f"deck-imports/{deck_import.uuid}"


class DeckImport(LeasedJob):
    """An uploaded deck file between preview and import, and the progress of a background import."""

    class Status(models.TextChoices):
        PREVIEW = "preview", "Waiting for confirmation"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deck_imports")
    upload = models.FileField(upload_to=deck_import_upload_path, max_length=300)
    original_name = models.CharField(max_length=255)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEW)
    preview = models.JSONField(default=dict, help_text="Counts, first rows and warnings shown before confirming.")
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    progress_stage = models.CharField(max_length=40, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    deck = models.ForeignKey(Deck, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"
