"""The FAISS index over passage vectors: exact for small collections, approximate (IVF) for large ones.

Below ANN_MIN_PASSAGES a flat scan is exact and fast enough: `python -m bench.scale_bench` measured
4.8 ms for 20k passages and 11.7 ms for 50k on 2 cores, against 1.4 ms for IVF at 100k.
From there on the passages go into an inverted file (k-means cells, vectors stored in fp16), and the
number of cells searched (nprobe) is chosen at build time: the smallest that finds, for a sample of
the collection's own sentences used as queries, at least RECALL_TARGET of the exact top 10.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ANN_MIN_PASSAGES = 50_000
RECALL_TARGET = 0.97  # chosen above the 0.95 asked of search, for questions that are not sentences of the text
PROBE_QUERIES = 256
NPROBES = (4, 8, 16, 32, 64, 128, 256, 512)
TRAIN_PER_CELL = 40  # k-means sample size per cell (FAISS warns below 39)


@dataclass(frozen=True)
class DenseSpec:
    """What kind of FAISS index holds the passage vectors; the manifest records it."""

    kind: str = "flat"  # "flat": exact inner product; "ivf": inverted file, fp16 vectors
    cells: int = 0
    nprobe: int = 0
    recall_at_10: float = 1.0  # measured at build on the collection's own sentences (1.0 for flat)


def cells_for(n: int) -> int:
    """About 4 * sqrt(n) k-means cells, a power of two, as FAISS's guidelines suggest for up to a few
    million vectors; fewer when there are not TRAIN_PER_CELL vectors per cell to train them."""
    wanted = 2 ** round(np.log2(4 * np.sqrt(max(n, 1))))
    trainable = 2 ** int(np.log2(max(n // TRAIN_PER_CELL, 1)))
    return int(max(1, min(wanted, trainable)))


def build_dense(vectors: np.ndarray, probes: np.ndarray, ann_min_passages: int = ANN_MIN_PASSAGES, seed: int = 0):
    """(FAISS index over `vectors`, its DenseSpec). `probes` are normalised query-like vectors (sentences
    of the collection) used to choose nprobe when the index is approximate."""
    import faiss

    n, dim = vectors.shape
    if n < max(ann_min_passages, 1):
        flat = faiss.IndexFlatIP(dim)
        flat.add(vectors)
        return flat, DenseSpec()
    cells = cells_for(n)
    rng = np.random.default_rng(seed)
    sample = vectors[np.sort(rng.choice(n, size=min(n, cells * TRAIN_PER_CELL), replace=False))]
    ivf = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dim), dim, cells, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
    ivf.cp.seed = seed
    ivf.cp.niter = 10
    ivf.train(sample)
    ivf.add(vectors)
    queries = np.ascontiguousarray(probes[rng.choice(len(probes), size=min(len(probes), PROBE_QUERIES), replace=False)])
    nprobe, recall = choose_nprobe(ivf, vectors, queries)
    ivf.nprobe = nprobe
    return ivf, DenseSpec("ivf", cells, nprobe, round(recall, 4))


def choose_nprobe(ivf, vectors: np.ndarray, queries: np.ndarray, k: int = 10) -> tuple[int, float]:
    """The smallest nprobe whose recall@k against exact search reaches RECALL_TARGET, and that recall."""
    import faiss

    truth = faiss.knn(queries, vectors, k, metric=faiss.METRIC_INNER_PRODUCT)[1]  # exact, without copying the vectors
    recall = 0.0
    for nprobe in NPROBES:
        if nprobe > ivf.nlist:
            break
        ivf.nprobe = nprobe
        recall = recall_at(ivf.search(queries, k)[1], truth)
        if recall >= RECALL_TARGET:
            return nprobe, recall
    return min(NPROBES[-1], ivf.nlist), recall


def recall_at(found, truth) -> float:
    """Mean share of each row of `truth` (exact ids) that the same row of `found` holds (rows of any length)."""
    return float(np.mean([len({int(i) for i in f} & {int(i) for i in t}) / len(t) for f, t in zip(found, truth, strict=True)]))


def configure(dense, spec: DenseSpec) -> None:
    """Set the search parameter recorded at build on an index read back from disk."""
    if spec.kind == "ivf":
        dense.nprobe = spec.nprobe
