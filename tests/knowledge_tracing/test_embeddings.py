"""The sentence encoder: the packaged MiniLM, offline, normalised, cached by text."""

import numpy as np
import pytest

from knowledge_tracing.embeddings import SentenceEncoder, text_digest


@pytest.fixture(scope="module")
def encoder():
    return SentenceEncoder(batch_size=2)


def test_default_encoder_is_the_packaged_minilm(encoder):
    assert encoder.model_name == "all-MiniLM-L6-v2"
    assert encoder.dimension == 384


def test_embeddings_are_normalised_float32_and_similar_texts_are_close(encoder):
    vectors = encoder.encode(["The capital of France is Paris", "Paris is France's capital", "Mitochondria make ATP"])
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > similarity[0, 2] + 0.3


def test_batching_does_not_change_the_vectors(encoder):
    texts = [f"card number {index}" for index in range(5)]
    one_by_one = np.concatenate([SentenceEncoder(batch_size=1).encode([text]) for text in texts])
    np.testing.assert_allclose(encoder.encode(texts), one_by_one, atol=1e-5)


def test_repeated_texts_are_encoded_once_and_served_from_the_disk_cache(tmp_path):
    first = SentenceEncoder(cache_dir=tmp_path)
    vectors = first.encode(["hello world", "hello world", "goodbye"])
    np.testing.assert_array_equal(vectors[0], vectors[1])
    cached = sorted(path.stem for path in (tmp_path / first.model_name).glob("*.npy"))
    assert cached == sorted({text_digest("hello world"), text_digest("goodbye")})

    second = SentenceEncoder(cache_dir=tmp_path)
    second._model = None  # a cache hit must not need the network or the model
    np.testing.assert_array_equal(second.encode(["goodbye", "hello world"]), vectors[[2, 0]])


def test_empty_input_and_a_bare_string(encoder):
    assert encoder.encode([]).shape == (0, 384)
    with pytest.raises(TypeError):
        encoder.encode("not a list")


def test_a_missing_model_directory_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        SentenceEncoder(tmp_path / "no-such-model")


def test_the_multilingual_encoder_is_chosen_by_name_and_matches_words_across_languages(encoder, monkeypatch):
    """A Japanese word is nearest its German and English translations with USE Multilingual; MiniLM reads Japanese poorly."""
    monkeypatch.setenv("MNEMO_ENCODER_PATH", "use-multilingual-v3")
    multilingual = SentenceEncoder()
    assert (multilingual.model_name, multilingual.dimension) == ("use-multilingual-v3", 512)
    texts = ["犬", "Hund", "dog", "Montag", "Eisenbahn"]
    vectors = multilingual.encode(texts)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(SentenceEncoder("use-multilingual-v3", batch_size=2).encode(texts), vectors, atol=1e-5)
    similarity = vectors[0] @ vectors[1:].T
    assert similarity[:2].min() > similarity[2:].max() + 0.2
    english_only = encoder.encode(texts)
    assert english_only[0] @ english_only[1] < similarity[0]
