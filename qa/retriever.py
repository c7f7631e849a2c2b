"""Hybrid retrieval as a LangChain retriever: dense search and BM25, fused by their scores.

Dense scores are sentence-level: a passage scores the cosine of its best sentence to the question
(candidates come from FAISS over passage vectors and from BM25), which suits questions about one
fact in a long passage.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from index.embeddings import MiniLMEmbeddings
from index.store import Index

RRF_K = 60  # the constant of Cormack et al. (2009): damps the weight of the very top ranks
FETCH_K = 20
# Weight of the dense scores in the fused score (BM25 gets the rest). Chosen on the dev part with
# `python -m bench.retrieval_bench --part dev`: 0.5 gave the best R@2 (the passages answer() reads),
# 0.4 and 0.6 were lower, and min-max fusion beat reciprocal rank fusion at every k.
DENSE_WEIGHT = 0.5
MODES = ("dense", "bm25", "rrf", "hybrid")


def reciprocal_rank_fusion(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> list[tuple[int, float]]:
    """Fuse ranked lists of ids: score(id) = sum over lists of 1 / (k + rank), best first."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda x: (-x[1], x[0]))


def min_max_fusion(results: Sequence[Sequence[tuple[int, float]]], weights: Sequence[float]) -> list[tuple[int, float]]:
    """Fuse scored lists (best first): each list's scores scaled to 0..1 by its own min and max, then
    summed with the weights; an id missing from a list gets 0 from it. Unlike rank fusion, a passage
    far ahead in one list keeps its lead. Best first, ties by id."""
    scores: dict[int, float] = {}
    for result, weight in zip(results, weights, strict=True):
        if not result:
            continue
        high = max(s for _, s in result)
        low = min(s for _, s in result)
        for item, s in result:
            scaled = (s - low) / (high - low) if high > low else 1.0
            scores[item] = scores.get(item, 0.0) + weight * scaled
    return sorted(scores.items(), key=lambda x: (-x[1], x[0]))


class HybridRetriever(BaseRetriever):
    """Top-k passages of an `Index` for a query.

    `mode` picks dense, bm25, their reciprocal rank fusion ("rrf") or their min-max score fusion
    ("hybrid", the default: measured best by `python -m bench.retrieval_bench`).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Index
    embeddings: MiniLMEmbeddings
    k: int = 4
    fetch_k: int = FETCH_K
    mode: str = "hybrid"
    dense_weight: float = DENSE_WEIGHT

    def ranked(self, query: str, k: int | None = None) -> list[tuple[int, float]]:
        """(passage index, score) best first, the top `k` (default: the retriever's) of the configured mode."""
        k = self.k if k is None else k
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        dense = bm25 = []
        if self.mode != "dense":
            bm25 = self.index.bm25.search(query, self.fetch_k)
        if self.mode != "bm25":
            vector = self.embeddings.encode_query(query)
            # FAISS (passage vectors) and BM25 propose passages; each is scored by its best sentence
            candidates = [i for i, _ in self.index.dense_search(vector, self.fetch_k)] + [i for i, _ in bm25]
            dense = self.index.best_sentence_scores(vector, candidates)[: self.fetch_k]
        if self.mode == "dense":
            return dense[:k]
        if self.mode == "bm25":
            return bm25[:k]
        if self.mode == "rrf":
            return reciprocal_rank_fusion([[i for i, _ in dense], [i for i, _ in bm25]])[:k]
        return min_max_fusion([dense, bm25], [self.dense_weight, 1.0 - self.dense_weight])[:k]

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        docs = []
        for rank, (i, score) in enumerate(self.ranked(query)):
            p = self.index.passages[i]
            docs.append(
                LCDocument(
                    page_content=p.text,
                    metadata={
                        "index": i,
                        "doc_id": p.doc_id,
                        "passage_id": p.passage_id,
                        "start": p.start,
                        "end": p.end,
                        "rank": rank,
                        "score": score,
                    },
                )
            )
        return docs
