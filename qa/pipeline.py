"""Retrieve passages, widen short ones with their neighbours, read them, and locate the answer.

The chain is plain LangChain: the `HybridRetriever` (a `BaseRetriever`) piped into the reader as a
`RunnableLambda`, so either piece can be reused in another chain. News articles spread one fact
over consecutive short paragraphs, so a retrieved passage shorter than NEIGHBOUR_BELOW characters
(about one sentence) is read together with the passages around it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda

from index.embeddings import MiniLMEmbeddings
from index.sentences import sentence_at
from index.store import Index
from qa.names import same_entity
from qa.reader import Reader, Reading, Span
from qa.retriever import HybridRetriever
from qa.types import Alternative, Evidence

# A passage shorter than this is read with its neighbours. Chosen with bench/neighbour_bench.py (dropped
# once chosen: `git show b31ab73:bench/neighbour_bench.py`) on the dev part end to end and the default
# article: below 200 characters a passage is a one-sentence fragment whose fact often runs on into the
# next; longer ones mostly stand alone, and reading their neighbours too gave distractors and time. 400
# widened 11 more passages of the 29 of the article.
NEIGHBOUR_BELOW = 200
# Passages read per question, and a prior subtracted from a span's logit per place its passage lost
# in the retrieval ranking (the reader prefers the passages the retriever trusts unless another holds
# a clearly better span). Chosen on dev with bench/rank_prior_bench.py --limit 600 (`git show
# b31ab73:bench/rank_prior_bench.py`; F1 all /
# HasAns / NoAns): the default scores 62.9 / 59.0 / 66.9; reading only the top passage 61.4, 3.9
# lower on the answerable ones; reading 3 to 6 passages gains at most 0.4 on the answerable ones and
# loses 1.4 to 4.1 on the unanswerable ones, for 1.5 to 3 times the reading; other priors for two
# passages score 62.6 to 62.9. So two stay, at 1.
DEFAULT_TOP_K = 2
RANK_PENALTY = 1.0
# ...unless the retriever is sure: when the top passage's fused score (0..1) leads the next one's by at
# least this much, only the top passage is read. the same bench (lead rows): on
# dev, F1 is the same as always reading two (62.9), and 265 of the 600 questions skip the second read.
SURE_LEAD = 0.4


@dataclass(frozen=True)
class Context:
    """A slice of a document the reader reads: document_text[start:end]."""

    doc_id: str
    start: int
    end: int
    text: str
    rank: int = 0  # best retrieval rank among the passages it holds (0 = top)


@dataclass(frozen=True)
class Found:
    """A reading of some contexts: the reader's verdict plus the contexts its offsets refer to."""

    question: str
    contexts: list[Context]
    reading: Reading


def top_is_sure(scores: Sequence[float], sure_lead: float = SURE_LEAD) -> bool:
    """True when the best of the fused retrieval scores (best first) leads the next by `sure_lead` or
    more: then only the top passage is read."""
    return len(scores) > 1 and scores[0] - scores[1] >= sure_lead


def contexts_for(index: Index, passage_indexes: list[int], neighbour_below: int = NEIGHBOUR_BELOW) -> list[Context]:
    """Slices to read for the retrieved passages, those shorter than `neighbour_below` characters
    widened to their neighbours, overlaps merged."""
    slices: list[tuple[str, int, int, int]] = []
    for rank, i in enumerate(passage_indexes):
        p = index.passages[i]
        if len(p.text) < neighbour_below:
            around = index.neighbours(i)
            slices.append((p.doc_id, index.passages[around[0]].start, index.passages[around[-1]].end, rank))
        else:
            slices.append((p.doc_id, p.start, p.end, rank))
    merged: list[list] = []
    for doc_id, start, end, rank in sorted(slices):
        if merged and merged[-1][0] == doc_id and start <= merged[-1][2]:
            merged[-1][2] = max(merged[-1][2], end)
            merged[-1][3] = min(merged[-1][3], rank)
        else:
            merged.append([doc_id, start, end, rank])
    return [Context(d, s, e, index.documents[d].text[s:e], r) for d, s, e, r in merged]


class Pipeline:
    """Question -> Found, over one loaded index with one reader; safe to share between threads."""

    def __init__(
        self,
        index: Index,
        reader: Reader,
        embeddings: MiniLMEmbeddings,
        top_k: int = DEFAULT_TOP_K,
        rank_penalty: float = RANK_PENALTY,
        neighbour_below: int = NEIGHBOUR_BELOW,
        sure_lead: float = SURE_LEAD,
    ):
        self.index = index
        self.reader = reader
        self.rank_penalty = rank_penalty
        self.neighbour_below = neighbour_below
        self.sure_lead = sure_lead
        self.retriever = HybridRetriever(index=index, embeddings=embeddings, k=top_k)
        # A sequence, not RunnableParallel(question=RunnablePassthrough(), passages=retriever): that
        # starts a thread pool for every question, to run the retriever beside a pass-through.
        self.chain: Runnable = RunnableLambda(self._retrieve, name="retrieve") | RunnableLambda(self._read, name="read")

    def _retrieve(self, question: str, config: RunnableConfig) -> dict:
        return {"question": question, "passages": self.retriever.invoke(question, config)}

    def _read(self, inputs: dict) -> Found:
        passages = inputs["passages"]
        if top_is_sure([d.metadata["score"] for d in passages], self.sure_lead):
            passages = passages[:1]
        indexes = [d.metadata["index"] for d in passages]
        return self.read(inputs["question"], contexts_for(self.index, indexes, self.neighbour_below))

    def read(self, question: str, contexts: list[Context]) -> Found:
        """Read the contexts, each span's logit lowered by the rank penalty per place its passage lost in
        the retrieval ranking."""
        priors = [-self.rank_penalty * c.rank for c in contexts]
        # answered at the reader's calibrated threshold: dev F1 with answerable questions weighted 4 to 1 (qa.training.calibrate)
        reading = self.reader.read(question, [c.text for c in contexts], priors=priors)
        return Found(question, contexts, reading)

    def run(self, question: str, top_k: int | None = None) -> Found:
        """Retrieve and read; a `top_k` other than the retriever's uses a copy of it with that k."""
        if top_k is not None and top_k != self.retriever.k:
            retriever = self.retriever.model_copy(update={"k": top_k})
            return self._read({"question": question, "passages": retriever.invoke(question)})
        return self.chain.invoke(question)

    def evidence(self, found: Found, span: Span, role: str = "answer") -> Evidence:
        """Locate a span of a reading in its document: the passage and sentence that hold it."""
        ctx = found.contexts[span.passage]
        return self.locate(ctx.doc_id, ctx.start + span.start, ctx.start + span.end, role)

    def locate(self, doc_id: str, start: int, end: int, role: str = "answer") -> Evidence:
        """The evidence of document_text[start:end]: its passage, sentence and page."""
        document = self.index.documents[doc_id]
        s_start, s_end = sentence_at(document.text, start, end)
        passage = self.index.passages[self.index.passage_at(doc_id, start)]
        sentence = document.text[s_start:s_end]
        return Evidence(doc_id, passage.passage_id, sentence, s_start, s_end, start, end, role, document.page_at(start))

    def alternatives(self, found: Found, skip: int = 1, limit: int = 4, answers: Sequence[str] = ()) -> list[Alternative]:
        """Up to `limit` runners-up after the first `skip` spans, each another candidate: a span that
        overlaps one of those, or names a part of one of them, of `answers` (the texts shown as the
        answer) or of a runner-up already kept ("Lavrov" beside "Sergei Lavrov"), is left out."""
        shown = found.reading.spans[:skip]
        texts = [*answers, *(b.text for b in shown)]
        others = []
        for s in found.reading.spans[skip:]:
            overlaps = any(s.passage == b.passage and s.start < b.end and b.start < s.end for b in shown)
            if not overlaps and not any(same_entity(s.text, t) for t in texts):
                others.append(Alternative(s.text, s.score, self.evidence(found, s)))
                texts.append(s.text)
            if len(others) == limit:
                break
        return others
