"""KARL's fine-tuning option: the tunable encoder is the packaged MiniLM, and KARL's loss moves it."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from knowledge_tracing.data.synthetic import generate_study_log
from knowledge_tracing.embeddings import SentenceEncoder
from knowledge_tracing.models import create_model
from knowledge_tracing.models.karl_encoder import TunableEncoder

TEXTS = ("Spanish for mother? madre", "Spanish for father? padre", "Capital of France? Paris")


def test_the_tunable_encoder_starts_as_the_packaged_encoder_and_learns_from_a_loss():
    encoder = TunableEncoder(TEXTS)
    np.testing.assert_allclose(encoder.embed_all().numpy(), SentenceEncoder().encode(list(TEXTS)), atol=1e-5)

    before = encoder.embed_all()
    optimizer = torch.optim.Adam(encoder.parameters(), lr=1e-4)
    encoder.train()
    embedded = encoder(torch.tensor([0, 1, 0]))
    (embedded[0] @ embedded[1]).backward()  # push the first two cards apart
    optimizer.step()
    after = encoder.embed_all()
    assert float(after[0] @ after[1]) < float(before[0] @ before[1])
    np.testing.assert_allclose(encoder(torch.tensor([2, 2])).detach().numpy()[0], after[2].numpy(), atol=1e-5)


def test_fine_tuning_needs_card_text_and_the_encoders_own_embeddings():
    log = generate_study_log(n_learners=4, n_items=6, n_logs=80, seed=1)
    log = log.with_embeddings(np.eye(log.n_items, dtype=np.float32))
    with pytest.raises(ValueError, match="fine_tune_encoder needs card text"):
        create_model("karl", seed=0, fine_tune_encoder=True, max_epochs=1).fit(replace(log, item_text=None))
    with pytest.raises(ValueError, match="embeddings from the same encoder"):
        create_model("karl", seed=0, fine_tune_encoder=True, max_epochs=1).fit(log)
