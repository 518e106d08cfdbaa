"""Embed a card after it is saved with text that has no stored vector yet (through the outbox, sent on commit)."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from apps.cards.models import Card
from apps.modeling.embeddings import card_has_embedding
from apps.modeling.tasks import embed_card
from apps.outbox.enqueue import enqueue_on_commit


@receiver(post_save, sender=Card, dispatch_uid="modeling-embed-card")
def embed_card_on_save(sender, instance: Card, raw: bool = False, **kwargs) -> None:
    if raw or not settings.MNEMO_EMBED_CARDS_ON_SAVE:
        return
    if not card_has_embedding(instance):
        enqueue_on_commit(embed_card, args=[instance.pk])
