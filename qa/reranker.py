"""The passage reranker: a cross-encoder that reads the question against each retrieved passage and
scores how likely it is to hold the answer (trained by qa.rerank_train).

The bi-encoder and BM25 see question and passage apart; the cross-encoder attends across both, so it
tells the paragraph that answers from one that only shares the question's words. It runs on ONNX
Runtime like the reader; a passage longer than one window scores its best window.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa.windows import MAX_LENGTH, STRIDE, collate, length_batches, make_windows

RERANKER_DIR = Path(__file__).resolve().parent / "reranker_model"


class Reranker:
    """Relevance logits for (question, passage) pairs; `scores` is thread-safe."""

    def __init__(self, session, tokenizer, max_length: int = MAX_LENGTH, stride: int = STRIDE):
        self.session = session
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.stride = stride
        self._tokenizer_lock = threading.Lock()  # make_windows sets the tokenizer's truncation

    @classmethod
    def load(cls, path: str | Path | None = None, *, quantize: bool = True) -> Reranker:
        """Load a saved reranker (by default the shipped one), int8 unless `quantize` is False."""
        from tokenizers import Tokenizer

        from index.onnx_cache import onnx_session

        path = Path(path) if path else RERANKER_DIR
        if not (path / "model.safetensors").exists():
            raise FileNotFoundError(f"no reranker weights at {path / 'model.safetensors'}; train one with `docqa reranker train`")
        _, session = onnx_session(path, "relevance", quantize)
        return cls(session, Tokenizer.from_file(str(path / "tokenizer.json")))

    def scores(self, question: str, passages: Sequence[str]) -> np.ndarray:
        """One relevance logit per passage (higher: more likely to hold the answer)."""
        best = np.full(len(passages), -np.inf)
        if not passages:
            return best
        with self._tokenizer_lock:
            windows = make_windows(self.tokenizer, [question] * len(passages), list(passages), self.max_length, self.stride)
        for batch in length_batches(windows):
            ids, types, mask = collate([windows[i] for i in batch])
            (logits,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
            for row, i in enumerate(batch):
                best[windows[i].example] = max(best[windows[i].example], float(logits[row]))
        return best
