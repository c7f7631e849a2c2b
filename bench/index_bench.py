"""Index build speed on 1 MB of text, and dense / BM25 search latency on the default article
(`python -m bench.scale_bench` measures search at 100,000 and 1,000,000 passages)."""

from __future__ import annotations

import random
import tempfile
import time

from bench.timing import machine, percentiles_ms, time_calls
from index import build_index, load_index, shared_embeddings
from index.build import DEFAULT_DOCUMENT
from index.documents import Document
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


def main() -> None:
    print(f"machine: {machine()}")
    emb = shared_embeddings()
    t = time.perf_counter()
    emb.encode(["warm up"])
    print(f"embedding model load: {time.perf_counter() - t:.1f} s")

    text = one_megabyte_of_news()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        report = build_index([Document("news-1mb.txt", text)], tmp)
        took = time.perf_counter() - t
        n = report.manifest.passages
        print(f"build 1 MB ({len(text.encode()):,} bytes, {n:,} passages): {took:.1f} s, {n / took:.0f} passages/s")

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
