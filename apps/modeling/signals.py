"""Embed a card after it is saved with text that has no stored vector yet, and a deck's cards after an import (through the outbox, sent on commit)."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from apps.cards.models import Card, Deck
from apps.cards.signals import cards_imported
from apps.modeling.embeddings import card_has_embedding
from apps.modeling.tasks import embed_card, embed_deck
from apps.outbox.enqueue import enqueue_on_commit


@receiver(post_save, sender=Card, dispatch_uid="modeling-embed-card")
def embed_card_on_save(sender, instance: Card, raw: bool = False, **kwargs) -> None:
    if raw or not settings.MNEMO_EMBED_CARDS_ON_SAVE:
        return
    if not card_has_embedding(instance):
        enqueue_on_commit(embed_card, args=[instance.pk])


@receiver(cards_imported, sender=Deck, dispatch_uid="modeling-embed-imported-deck")
def embed_deck_on_import(sender, deck: Deck, **kwargs) -> None:
    if settings.MNEMO_EMBED_CARDS_ON_SAVE:
        enqueue_on_commit(embed_deck, args=[deck.pk])
