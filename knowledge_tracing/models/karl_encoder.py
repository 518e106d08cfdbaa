"""The sentence encoder KARL can fine-tune jointly with its history features, as the paper does with BERT.

KARL reads each card's text as a fixed embedding (``table.item_embeddings``, computed
once by ``knowledge_tracing.embeddings``). With ``fine_tune_encoder`` it instead runs
the packaged MiniLM (or ``$MNEMO_ENCODER_PATH``) inside training: every batch embeds
the texts of its cards with gradients, so the encoder's weights move with KARL's loss.
Only the resulting card embeddings are kept after training, never the encoder, so a
fitted model predicts and is saved exactly like one trained on fixed embeddings.
"""

from __future__ import annotations

import os

import torch
from torch import nn

from knowledge_tracing.embeddings import MULTILINGUAL_MODEL_NAME, default_model_path


class TunableEncoder(nn.Module):
    """MiniLM as a trainable module: texts in, L2-normalised embeddings out (with gradients in training)."""

    def __init__(self, texts: tuple[str, ...]) -> None:
        super().__init__()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        path = default_model_path()
        if str(path) == MULTILINGUAL_MODEL_NAME:
            raise ValueError(f"karl: fine_tune_encoder needs a sentence-transformers encoder, and {MULTILINGUAL_MODEL_NAME} is not one")
        self.model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self.texts = list(texts)

    def forward(self, items: torch.Tensor) -> torch.Tensor:
        """Embeddings of the cards ``items`` (dense ids), one row each; each distinct card is encoded once."""
        distinct, position = torch.unique(items, return_inverse=True)
        features = self.model.preprocess([self.texts[int(item)] for item in distinct])
        embedded = self.model(features)["sentence_embedding"]
        return nn.functional.normalize(embedded, dim=1)[position]

    def embed_all(self, batch_size: int = 128) -> torch.Tensor:
        """Every card's embedding, without gradients (for validation and for keeping after training)."""
        self.eval()
        with torch.no_grad():
            items = torch.arange(len(self.texts))
            return torch.cat([self(items[start : start + batch_size]) for start in range(0, len(items), batch_size)])
