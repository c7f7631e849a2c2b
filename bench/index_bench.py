"""Index build speed on 1 MB of text, and dense / BM25 search latency on the default article
(`python -m bench.scale_bench` measures search at 100,000 and 1,000,000 passages).

Usage: python -m bench.index_bench [--rounds 2]

The 1 MB build runs four ways in rounds, every other round in reverse order so that no way always
goes first: as docqa builds it (fp32, batches of at most 512 tokens) and as a large collection is
built (int8, approximate index), each also with batches of at most 2,048 tokens (about the 64
sentences a batch held before).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time

from bench.timing import machine, percentiles_ms, time_calls
from index import build_index, load_index, shared_embeddings
from index.build import DEFAULT_DOCUMENT
from index.dense import ANN_MIN_PASSAGES
from index.documents import Document
from index.embeddings import MiniLMEmbeddings
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


def build_rows(emb: MiniLMEmbeddings, rounds: int) -> None:
    """Time the 1 MB build four ways, alternating, `rounds` times."""
    doc = Document("news-1mb.txt", one_megabyte_of_news())
    mb = len(doc.text.encode()) / 1e6
    wide = MiniLMEmbeddings(batch_tokens=2048)
    for model in (emb, wide):  # models load before the clocks start
        model.encode(["warm up"])
        model.encode(["warm up"], int8=True)

    runs = [  # label, encoder, passages from which the index is built as a large collection's
        ("fp32, batches of <= 512 tokens (docqa)", emb, ANN_MIN_PASSAGES),
        ("fp32, batches of <= 2,048 tokens", wide, ANN_MIN_PASSAGES),
        ("int8 and approximate (a large collection)", emb, 0),
        ("int8 and approximate, batches of <= 2,048 tokens", wide, 0),
    ]
    print(f"build 1 MB ({mb * 1e6:,.0f} bytes), {rounds} alternating rounds:")
    for r in range(rounds):
        for label, encoder, ann_min_passages in runs if r % 2 == 0 else runs[::-1]:
            with tempfile.TemporaryDirectory() as tmp:
                t = time.perf_counter()
                n = build_index([doc], tmp, encoder=encoder, ann_min_passages=ann_min_passages).manifest.passages
                took = time.perf_counter() - t
            print(f"  round {r + 1}  {label:49s} {took:5.1f} s  {took / mb:5.1f} s/MB  {n / took:4.0f} passages/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of the 1 MB build")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    emb = shared_embeddings()
    t = time.perf_counter()
    emb.encode(["warm up"])
    print(f"embedding model load: {time.perf_counter() - t:.1f} s")
    build_rows(emb, args.rounds)

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
