"""Scale: build throughput in one process and on Ray, and search at 100k and 1M passages.

Usage: python -m bench.scale_bench [--sizes 100000 1000000] [--no-build] [--no-search]

Build: the 48 articles of squad-v1.1-dev.json (1.61 MB) indexed by `build_index` in this process, in
fp32 and as a large collection is (int8), then on a local Ray started beforehand (as a cluster would
be), with 1 worker of 2 threads and 2 workers of 1; then the fixed part of a Ray build (its workers
started, the model loaded), which a larger collection spreads thinner.
Search: the test articles' real passages and sentence vectors, grown to each size with synthetic
passages (each the first sentences of one real passage and the last of another, their real vectors
plus a little noise), written by docqa's own `create_index`/`save_index` and loaded in a fresh process
that measures its resident memory, FAISS and BM25 latency for 500 test questions, and recall@10
against an exact search over the same passage vectors.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.timing import machine, percentiles_ms
from index.build import build_index
from index.dense import ANN_MIN_PASSAGES, recall_at
from index.documents import Document
from index.passages import Passage
from index.store import create_index, load_index, passage_vectors, save_index
from qa.training.e2e import article_documents
from qa.training.squad import load_examples, require_data_dir

QUESTIONS = 500
PER_DOCUMENT = 100  # synthetic passages per synthetic document
NOISE = 0.02
FLAT_SIZES = (10_000, 20_000, 50_000, 100_000)


def build_rows(docs: list[Document], work: Path) -> None:
    """Build the articles in this process and on a local Ray; print throughput."""
    from index.embeddings import shared_embeddings
    from index.ray_embed import RayEncoder, start_ray

    mb = sum(len(d.text.encode()) for d in docs) / 1e6
    print(f"build: the {len(docs)} articles of squad-v1.1-dev.json, {mb:.2f} MB")
    base = None

    def row(label: str, encoder: RayEncoder | None, ann_min_passages: int = ANN_MIN_PASSAGES) -> None:
        nonlocal base
        t = time.perf_counter()
        report = build_index(docs, tempfile.mkdtemp(dir=work), encoder=encoder, ann_min_passages=ann_min_passages)
        took = time.perf_counter() - t
        rate = report.manifest.passages / took
        base = base or rate
        print(f"  {label:44s} {took:6.1f} s  {rate:6.1f} passages/s  {took / mb:5.1f} s/MB  ({rate / base:.0%} of one process)")

    # the model loads (and is exported, once) before the clocks start
    shared_embeddings().encode(["warm"])
    shared_embeddings().encode(["warm"], int8=True)
    row("one process (ONNX Runtime, 2 threads)", None)
    row("one process, as a large index (int8)", None, ann_min_passages=0)
    t = time.perf_counter()
    start_ray()
    print(f"  (local Ray started in {time.perf_counter() - t:.1f} s; a cluster is started once, not per build)")
    row("Ray, 1 worker of 2 threads", RayEncoder(workers=1, threads_per_worker=2))
    row("Ray, 2 workers of 1 thread", RayEncoder(workers=2, threads_per_worker=1))
    t = time.perf_counter()
    RayEncoder(workers=2).encode(["One short sentence."] * 8)
    print(f"  the fixed part of a Ray build: 2 workers started and one batch of 8 sentences embedded in {time.perf_counter() - t:.1f} s")


def synthetic_index(real, size: int, seed: int = 0):
    """The real index's passages plus synthetic ones up to `size` passages (see the module docstring)."""
    rng = np.random.default_rng(seed)
    pick = random.Random(seed)
    documents = list(real.documents.values())
    passages = list(real.passages)
    vectors = [np.asarray(real.sentence_vectors, np.float32)]
    counts = np.diff(real.sentence_rows).tolist()
    sentences = [np.asarray(real.sentences_of(i), np.float32) for i in range(len(real.passages))]
    texts = [p.text for p in real.passages]
    for d in range((size - len(passages) + PER_DOCUMENT - 1) // PER_DOCUMENT):
        parts, rows = [], []
        for _ in range(min(PER_DOCUMENT, size - len(passages) - len(rows))):
            a, b = pick.randrange(len(texts)), pick.randrange(len(texts))
            head, tail = _halves(texts[a], len(sentences[a]))[0], _halves(texts[b], len(sentences[b]))[1]
            va, vb = sentences[a][: max(1, len(sentences[a]) // 2)], sentences[b][len(sentences[b]) // 2 :]
            v = np.concatenate([va, vb]) + rng.normal(0, NOISE, (len(va) + len(vb), real.manifest.dimension)).astype(np.float32)
            rows.append(v / np.linalg.norm(v, axis=1, keepdims=True))
            parts.append(f"{head} {tail}".strip())
        doc_id = f"synthetic-{d}"
        text, start = "", 0
        for j, part in enumerate(parts):
            passages.append(Passage(doc_id, j, start, start + len(part), part))
            text += part + "\n\n"
            start = len(text)
        documents.append(Document(doc_id, text))
        vectors.extend(rows)
        counts.extend(len(r) for r in rows)
    return create_index(documents, passages, np.concatenate(vectors), counts)


def _halves(text: str, n: int) -> tuple[str, str]:
    """The text cut near the middle at a sentence end, roughly as its n sentence vectors are split."""
    cut = text.find(". ", len(text) // 2)
    return (text, "") if n < 2 or cut < 0 else (text[: cut + 1], text[cut + 2 :])


def measure(folder: Path, questions: Path) -> dict:
    """Load the index in a fresh process and time it there (see _child)."""
    command = [sys.executable, "-m", "bench.scale_bench", "--child", str(folder), str(questions)]
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _child(folder: str, questions_file: str) -> None:
    import faiss

    data = json.loads(Path(questions_file).read_text())
    vectors, texts = np.asarray(data["vectors"], np.float32), data["texts"]
    before = _rss_mb()
    t = time.perf_counter()
    index = load_index(folder)
    load_s = time.perf_counter() - t
    dense = []
    found = []
    for v in vectors:
        t = time.perf_counter()
        found.append([i for i, _ in index.dense_search(v, 10)])
        dense.append(time.perf_counter() - t)
    bm25 = []
    for q in texts:
        t = time.perf_counter()
        index.bm25.search(q, 20)
        bm25.append(time.perf_counter() - t)
    resident = _rss_mb() - before
    means = passage_vectors(index.sentence_vectors, index.sentence_rows)
    recall = recall_at(found, faiss.knn(vectors, means, 10, metric=faiss.METRIC_INNER_PRODUCT)[1])
    flat = {}
    for n in [s for s in FLAT_SIZES if s <= len(means)] + [len(means)]:
        ix = faiss.IndexFlatIP(means.shape[1])
        ix.add(means[:n])
        times = []
        for v in vectors[:200]:
            t = time.perf_counter()
            ix.search(v[None], 20)
            times.append(time.perf_counter() - t)
        flat[n] = percentiles_ms(times)[0]
    print(
        json.dumps(
            {
                "kind": index.manifest.dense.kind,
                "nprobe": index.manifest.dense.nprobe,
                "cells": index.manifest.dense.cells,
                "load_s": load_s,
                "resident_mb": resident,
                "dense_ms": percentiles_ms(dense),
                "bm25_ms": percentiles_ms(bm25),
                "recall_at_10": recall,
                "flat_p50_ms": flat,
            }
        )
    )


def search_rows(real_folder: Path, examples, sizes: list[int], work: Path) -> None:
    from index.embeddings import shared_embeddings

    real = load_index(real_folder)
    questions = random.Random(0).sample([e.question for e in examples], QUESTIONS)
    embeddings = shared_embeddings()
    qfile = work / "questions.json"
    qfile.write_text(json.dumps({"texts": questions, "vectors": [embeddings.encode_query(q).tolist() for q in questions]}))
    print(f"search: {len(real.passages)} real passages grown with synthetic ones; {QUESTIONS} SQuAD v1.1 test questions")
    for size in sizes:
        t = time.perf_counter()
        folder = work / f"search-{size}"
        save_index(synthetic_index(real, size), folder)
        built = time.perf_counter() - t
        m = measure(folder, qfile)
        flat = ", ".join(f"{int(n):,}: {ms:.1f} ms" for n, ms in m["flat_p50_ms"].items())
        print(
            f"  {size:>9,} passages ({m['kind']}, {m['cells']} cells, nprobe {m['nprobe']}; "
            f"built in {built:.0f} s, loaded in {m['load_s']:.1f} s): "
            f"dense p50 {m['dense_ms'][0]:.2f} ms (p95 {m['dense_ms'][1]:.2f}), recall@10 {m['recall_at_10']:.3f}; "
            f"BM25 p50 {m['bm25_ms'][0]:.2f} ms (p95 {m['bm25_ms'][1]:.2f}); resident {m['resident_mb']:,.0f} MB\n"
            f"      exact flat search p50 over the first n passages: {flat}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--no-build", action="store_true", help="skip the build rows")
    parser.add_argument("--no-search", action="store_true")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    print(f"machine: {machine()}")
    squad = require_data_dir() / "squad-v1.1-dev.json"
    with tempfile.TemporaryDirectory(prefix="docqa-scale-") as tmp:
        work = Path(tmp)
        if not args.no_build:
            build_rows(list(article_documents(load_examples(squad)).values()), work)
        if not args.no_search:
            examples = load_examples(squad, "test")
            build_index(list(article_documents(examples).values()), work / "test-articles")
            search_rows(work / "test-articles", examples, args.sizes, work)


if __name__ == "__main__":
    main()
