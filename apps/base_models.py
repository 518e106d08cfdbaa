"""Abstract models shared by the apps: creation/update timestamps, and soft deletion.

Soft-deleted rows stay in their table (study logs keep pointing at them); the default
manager hides them and ``all_objects`` still sees everything, including for related
lookups (``base_manager_name``), so a log's deleted card can still be read.
"""

from django.db import models


class Timestamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class LiveManager(models.Manager):
    """Rows not deleted by their owner; ``all_objects`` still sees everything."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class SoftDeletable(Timestamped):
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = LiveManager()
    all_objects = models.Manager()

    class Meta:
        abstract = True
        base_manager_name = "all_objects"
