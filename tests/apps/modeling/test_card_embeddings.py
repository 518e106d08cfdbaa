"""Cards are embedded after their text is saved; unchanged text reuses the stored vector; embed_deck fills a deck."""

from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from apps.cards.services import card_create, card_update
from apps.modeling.embeddings import card_embeddings_ensure, encoder_name
from apps.modeling.models import CardEmbedding
from apps.modeling.tasks import embed_card

pytestmark = pytest.mark.django_db


def test_a_new_card_is_embedded_by_a_task_enqueued_on_commit(private_deck, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        card = card_create(deck=private_deck, front="Capital of Peru?", back="Lima", tags=[])
    assert len(callbacks) == 1

    assert embed_card(card.pk) is True
    stored = CardEmbedding.objects.get(content_hash=card.content_hash, encoder=encoder_name())
    assert stored.dimension == 384
    assert np.linalg.norm(stored.as_array()) == pytest.approx(1.0, abs=1e-5)


def test_unchanged_text_reuses_the_vector_and_changed_text_gets_a_new_one(private_deck, django_capture_on_commit_callbacks):
    card = card_create(deck=private_deck, front="Capital of Chile?", back="Santiago", tags=[])
    first = card_embeddings_ensure(cards=[card])[card.content_hash]

    with django_capture_on_commit_callbacks() as callbacks:
        card_update(card=card, front="Capital of  Chile?", back="Santiago", tags=["geography"])
    assert callbacks == []  # same text once whitespace is normalised: nothing to encode
    assert np.array_equal(card_embeddings_ensure(cards=[card])[card.content_hash], first)

    with django_capture_on_commit_callbacks() as callbacks:
        card_update(card=card, front="Largest city of Chile?", back="Santiago", tags=["geography"])
    assert len(callbacks) == 1
    embed_card(card.pk)
    assert CardEmbedding.objects.count() == 2


def test_embed_deck_embeds_every_card_once(private_deck):
    output = StringIO()
    call_command("embed_deck", "--deck", str(private_deck.uuid), stdout=output, stderr=StringIO())
    texts = set(private_deck.cards.values_list("content_hash", flat=True))
    assert set(CardEmbedding.objects.values_list("content_hash", flat=True)) == texts
    assert f"{len(texts)} distinct texts" in output.getvalue()

    call_command("embed_deck", "--deck", str(private_deck.pk), stdout=StringIO(), stderr=StringIO())
    assert CardEmbedding.objects.count() == len(texts)
