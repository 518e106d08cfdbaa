"""Decks (a tree per owner), note types, notes and their cards, as Anki has them.

Deleting only hides a deck, note or card (``deleted_at``): study logs keep pointing at
cards. The model, in short (docs/notes.md says more):

- ``Deck.title`` is the deck's full name, ``Parent::Child``; ``parent`` is the deck
  above it. The title is the materialised path: a subtree is one prefix query, and
  an owner's live decks have distinct titles (ignoring case, as Anki).
- ``NoteType``: named, ordered fields (``NoteField``) and card templates
  (``CardTemplate``), a kind (standard or cloze) and CSS. ``owner`` None is a built-in
  type (Anki's five stock types), shared and read-only; a user's own types (imported
  ones) have their owner.
- ``Note``: an owner, a note type, the field values (in the type's field order), tags
  and Anki's ``guid``. Its cards are generated from it.
- ``Card``: one per template (``ord`` = the template's position) or per cloze number
  (``ord`` = number - 1), in a deck of the note's owner. ``front`` and ``back`` are the
  card as rendered from the note (``apps.cards.note_services``), stored so that the
  study page, dashboards, exports, embeddings and models read a card as they always
  did; every note edit renders them again and the content hash follows.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from apps.base_models import SoftDeletable, Timestamped
from apps.cards.content import content_hash
from apps.cards.deck_names import DECK_NAME_MAX_CHARS
from apps.leases import LeasedJob
from knowledge_tracing.anki.note_types import CardTemplate as CardTemplateSpec
from knowledge_tracing.anki.note_types import NoteTypeSpec, card_name


class Deck(SoftDeletable):
    class Visibility(models.TextChoices):
        PRIVATE = "private", "Private (only me)"
        PUBLIC = "public", "Public (every signed-in user may study it)"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="decks")
    title = models.CharField(max_length=DECK_NAME_MAX_CHARS, help_text="The full name: Parent::Child.")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    description = models.TextField(blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE)

    class Meta(SoftDeletable.Meta):
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("title"), "owner", condition=Q(deleted_at__isnull=True), name="deck_live_title_unique_per_owner"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def name(self) -> str:
        """The deck's own name, the last part of its title."""
        return self.title.rsplit("::", 1)[-1]

    @property
    def depth(self) -> int:
        """0 for a top-level deck, 1 for its children, ..."""
        return self.title.count("::")


class NoteType(Timestamped):
    """Fields and card templates that notes fill in; built-in when ``owner`` is None."""

    class Kind(models.TextChoices):
        STANDARD = "standard", "Standard"
        CLOZE = "cloze", "Cloze"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="note_types",
        help_text="Empty for a built-in type, which everyone uses and nobody edits.",
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.STANDARD)
    css = models.TextField(blank=True, help_text="Kept for Anki; Mnemo styles cards with its own CSS.")

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["name"], condition=Q(owner__isnull=True), name="note_type_builtin_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_builtin(self) -> bool:
        return self.owner_id is None

    def spec(self) -> NoteTypeSpec:
        """The library's plain description of this type (prefetch ``note_fields`` and ``templates`` when reading many)."""
        return NoteTypeSpec(
            name=self.name,
            kind=self.kind,
            fields=tuple(field.name for field in sorted(self.note_fields.all(), key=lambda field: field.ord)),
            templates=tuple(
                CardTemplateSpec(template.name, template.front_template, template.back_template)
                for template in sorted(self.templates.all(), key=lambda template: template.ord)
            ),
            css=self.css,
        )


class NoteField(models.Model):
    note_type = models.ForeignKey(NoteType, on_delete=models.CASCADE, related_name="note_fields")
    ord = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["note_type", "ord"]
        constraints = [
            models.UniqueConstraint(fields=["note_type", "ord"], name="note_field_unique_ord"),
            models.UniqueConstraint(fields=["note_type", "name"], name="note_field_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.note_type}: {self.name}"


class CardTemplate(models.Model):
    note_type = models.ForeignKey(NoteType, on_delete=models.CASCADE, related_name="templates")
    ord = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    front_template = models.TextField()
    back_template = models.TextField()

    class Meta:
        ordering = ["note_type", "ord"]
        constraints = [models.UniqueConstraint(fields=["note_type", "ord"], name="card_template_unique_ord")]

    def __str__(self) -> str:
        return f"{self.note_type}: {self.name}"


class Note(SoftDeletable):
    """A learner's note: the values of its type's fields, from which its cards are rendered."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    guid = models.CharField(max_length=64, help_text="Anki's note id across collections (kept through import and export).")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notes")
    note_type = models.ForeignKey(NoteType, on_delete=models.PROTECT, related_name="notes")
    field_values = models.JSONField(default=list, help_text="One string per field of the note type, in its order.")
    tags = models.JSONField(default=list, blank=True, help_text="Concept tags, lower-case.")

    class Meta(SoftDeletable.Meta):
        ordering = ["id"]
        indexes = [models.Index(fields=["owner", "guid"], name="note_owner_guid_idx")]

    def __str__(self) -> str:
        return f"{self.note_type} note {self.uuid}"


class Card(SoftDeletable):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    deck = models.ForeignKey(Deck, on_delete=models.PROTECT, related_name="cards")
    note = models.ForeignKey(Note, on_delete=models.PROTECT, related_name="cards")
    ord = models.PositiveSmallIntegerField(default=0, help_text="The template's position, or the cloze number - 1 (Anki's card.ord).")
    front = models.TextField(help_text="Rendered from the note: Markdown and HTML; shown first.")
    back = models.TextField(help_text="Rendered from the note: revealed on Space or Enter.")
    tags = models.JSONField(default=list, blank=True, help_text="The note's tags.")
    content_hash = models.CharField(max_length=64, db_index=True, editable=False)

    class Meta(SoftDeletable.Meta):
        ordering = ["id"]
        indexes = [models.Index(fields=["deck", "deleted_at"], name="card_deck_live_idx")]
        constraints = [models.UniqueConstraint(fields=["note", "ord"], name="card_one_per_note_ordinal")]

    def __str__(self) -> str:
        return self.front[:60]

    @property
    def template_name(self) -> str:
        """What Anki's browser calls the card: its template's name ("Card 2"), or "Cloze 3" for a cloze note's card.

        Reads the note type's templates (prefetch ``note__note_type__templates`` when listing cards).
        """
        note_type = self.note.note_type
        return card_name(note_type.kind, {template.ord: template.name for template in note_type.templates.all()}, self.ord)

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
