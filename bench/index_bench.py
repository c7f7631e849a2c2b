"""Index build speed on 1 MB of text, and dense / BM25 search latency on the default article
(`python -m bench.scale_bench` measures search at 100,000 and 1,000,000 passages).

Usage: python -m bench.index_bench [--rounds 3]

The 1 MB build runs three ways in rounds, every other round in reverse order so that no way always
goes first: as docqa builds it (fp32), as a large collection is built (int8, approximate index, one
batch per core at a time on one thread each), and the latter with one batch at a time on all the
cores' threads, as int8 builds ran before. Batches of at most 512 tokens against 2,048 were compared
the same way at commit 508a8a1 (512 faster in all four pairs); fp32 with one batch per core at a
time, at the commit after it (no faster).
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from bench.timing import machine, percentiles_ms, time_calls
from index import build_index, load_index, shared_embeddings
from index.build import DEFAULT_DOCUMENT
from index.dense import ANN_MIN_PASSAGES
from index.documents import Document
from index.embeddings import DIMENSION, MiniLMEmbeddings, _padded, _pooled_session, _token_batches
from index.passages import split_passages
from index.sentences import sentence_spans
from ui.app import EXAMPLES


def one_megabyte_of_news() -> str:
    """The article's paragraphs, shuffled into fresh orders until the text reaches 1 MB."""
    paragraphs = [p for p in DEFAULT_DOCUMENT.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    rng, out, size = random.Random(0), [], 0
    while size < 1_000_000:
        rng.shuffle(paragraphs)
        for i in range(0, len(paragraphs), 3):
            block = " ".join(p.strip() for p in paragraphs[i : i + 3])
            out.append(block)
            size += len(block) + 2
    return "\n\n".join(out)


class Int8OneBatchAtATime:
    """int8 embedding as docqa ran it before: one batch at a time, on a session of all the cores' threads."""

    dimension = DIMENSION

    def __init__(self, emb: MiniLMEmbeddings, threads: int):
        self.emb = emb
        self.session = _pooled_session(True, threads)

    def encode(self, texts: list[str], progress: bool = False, cancel: threading.Event | None = None, int8: bool = True) -> np.ndarray:
        encodings = self.emb.document_tokenizer.encode_batch(texts)
        vectors = np.zeros((len(texts), DIMENSION), np.float32)
        for batch in _token_batches([len(e.ids) for e in encodings], self.emb.batch_tokens):
            vectors[batch] = self.session.run(None, _padded([encodings[i].ids for i in batch]))[0]
        return vectors


def sentences_to_embed(doc: Document) -> list[str]:
    """The sentences a build of `doc` embeds: each sentence of each passage, once (passages overlap)."""
    spans = (span for p in split_passages(doc.doc_id, doc.text) for span in sentence_spans(doc.text, p.start, p.end))
    return [doc.text[a:b] for a, b in dict.fromkeys(spans)]


def build_rows(emb: MiniLMEmbeddings, doc: Document, encodings: list, rounds: int) -> None:
    """Time the 1 MB build three ways, alternating, `rounds` times; `encodings` are its sentences' tokens."""
    mb = len(doc.text.encode()) / 1e6
    cores = len(os.sched_getaffinity(0))
    before = Int8OneBatchAtATime(emb, cores)
    emb.encode(["warm up"], int8=True)  # models load before the clocks start
    before.encode(["warm up"])

    runs = [  # label, encoder, passages from which the index is built as a large collection's
        (f"fp32, one batch at a time on {cores} threads (docqa)", emb, ANN_MIN_PASSAGES),
        (f"int8 and approximate, {cores} batches at once on 1 thread each (docqa)", emb, 0),
        (f"int8 and approximate, one batch at a time on {cores} threads", before, 0),
    ]
    tokens = sum(len(e.ids) for e in encodings)
    print(f"build 1 MB ({mb * 1e6:,.0f} bytes; {len(encodings):,} sentences of {tokens:,} tokens to embed), {rounds} alternating rounds:")
    for r in range(rounds):
        for label, encoder, ann_min_passages in runs if r % 2 == 0 else runs[::-1]:
            with tempfile.TemporaryDirectory() as tmp:
                t = time.perf_counter()
                n = build_index([doc], tmp, encoder=encoder, ann_min_passages=ann_min_passages).manifest.passages
                took = time.perf_counter() - t
            print(f"  round {r + 1}  {label:65s} {took:5.1f} s  {took / mb:5.1f} s/MB  {n / took:4.0f} passages/s")


def where_the_time_goes(emb: MiniLMEmbeddings, encodings: list, batches: int = 60) -> None:
    """Each kind of ONNX Runtime node's share of the kernel time, and the encoder's throughput in
    multiply-adds of its matrix products, embedding `batches` of the 1 MB's batches, spread over short
    and long sentences alike, on one thread."""
    import collections
    import json

    import onnxruntime as ort

    from index.embeddings import _model_path
    from index.onnx_cache import cached_onnx

    planned = _token_batches([len(e.ids) for e in encodings], emb.batch_tokens)
    feeds = [_padded([encodings[i].ids for i in batch]) for batch in planned[:: max(1, len(planned) // batches)]]
    tokens = sum(int(f["attention_mask"].sum()) for f in feeds)
    config = json.loads((_model_path() / "config.json").read_text())
    hidden, inner, layers = config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]
    macs_per_token = layers * (4 * hidden * hidden + 2 * hidden * inner)  # Q, K, V, output; the feed-forward pair
    print(f"where the time goes, {len(feeds)} of the 1 MB's {len(planned)} batches, short and long ({tokens:,} tokens), one thread:")
    for int8 in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            options = ort.SessionOptions()
            options.intra_op_num_threads, options.enable_profiling, options.profile_file_prefix = 1, True, f"{tmp}/profile"
            session = ort.InferenceSession(str(cached_onnx(_model_path(), "pooled", int8)), options, providers=["CPUExecutionProvider"])
            session.run(None, feeds[0])
            t = time.perf_counter()
            for feed in feeds:
                session.run(None, feed)
            took = time.perf_counter() - t
            events = json.loads(Path(session.end_profiling()).read_text())
        kernel = collections.Counter()
        for e in events:
            if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
                kernel[e["args"]["op_name"]] += e["dur"]
        shares = ", ".join(f"{op} {100 * us / sum(kernel.values()):.0f}%" for op, us in kernel.most_common(6))
        print(f"  {'int8' if int8 else 'fp32'}: {tokens / took:,.0f} tokens/s, {tokens * macs_per_token / took / 1e9:.0f} GMAC/s; {shares}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of the 1 MB build")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    emb = shared_embeddings()
    t = time.perf_counter()
    emb.encode(["warm up"])
    print(f"embedding model load: {time.perf_counter() - t:.1f} s")
    doc = Document("news-1mb.txt", one_megabyte_of_news())
    encodings = emb.document_tokenizer.encode_batch(sentences_to_embed(doc))
    build_rows(emb, doc, encodings, args.rounds)
    where_the_time_goes(emb, encodings)

    with tempfile.TemporaryDirectory() as tmp:
        build_index([DEFAULT_DOCUMENT], tmp)
        index = load_index(tmp)
        vectors = emb.encode(EXAMPLES)
        dense = time_calls(lambda: [index.dense_search(v, 20) for v in vectors], 50)
        bm25 = time_calls(lambda: [index.bm25.search(q, 20) for q in EXAMPLES], 50)
        per_q = len(EXAMPLES)
        print(
            f"default article ({len(index.passages)} passages): dense p50 {percentiles_ms(dense)[0] / per_q:.2f} ms, "
            f"bm25 p50 {percentiles_ms(bm25)[0] / per_q:.2f} ms per query"
        )


if __name__ == "__main__":
    main()
