"""Hybrid retrieval as a LangChain retriever: dense FAISS search and BM25, fused by reciprocal rank."""

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


def reciprocal_rank_fusion(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> list[tuple[int, float]]:
    """Fuse ranked lists of ids: score(id) = sum over lists of 1 / (k + rank), best first."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda x: (-x[1], x[0]))


class HybridRetriever(BaseRetriever):
    """Top-k passages of an `Index` for a query; `mode` picks dense, bm25 or their fusion ("hybrid")."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Index
    embeddings: MiniLMEmbeddings
    k: int = 4
    fetch_k: int = FETCH_K
    mode: str = "hybrid"

    def ranked(self, query: str) -> list[tuple[int, float]]:
        """(passage index, score) best first, for the configured mode."""
        dense = bm25 = []
        if self.mode in ("dense", "hybrid"):
            dense = self.index.dense_search(self.embeddings.encode_query(query), self.fetch_k)
        if self.mode in ("bm25", "hybrid"):
            bm25 = self.index.bm25.search(query, self.fetch_k)
        if self.mode == "dense":
            return dense[: self.k]
        if self.mode == "bm25":
            return bm25[: self.k]
        if self.mode != "hybrid":
            raise ValueError(f"mode must be dense, bm25 or hybrid, not {self.mode!r}")
        return reciprocal_rank_fusion([[i for i, _ in dense], [i for i, _ in bm25]])[: self.k]

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
