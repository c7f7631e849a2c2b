"""How many retrieved passages to read (k) and how strongly to favour the higher-ranked ones (the
rank penalty), end to end on the dev part: each dev article is indexed as one document and every
question is retrieved and read as `answer()` does, at its threshold. Prints F1 for each setting,
then for reading the top 2 unless the top passage's fused score leads the second's by a margin
(then the top one only), at answer()'s rank penalty.

Usage: python -m bench.rank_prior_bench [--limit N] [--reranker DIR]
Retrieval is answer()'s hybrid ranking. `--reranker` runs the two trials that kept the reranker
(qa.reranker) out of answer(): the rows above, on its reordering of the hybrid top 6; and, in the
last rows, answer()'s own passages with the reranker's logit for each passage read (times a
weight) added to the logits of that passage's spans, so that it decides which passage to trust.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from index import shared_embeddings
from index.build import index_documents
from qa.e2e import article_documents
from qa.pipeline import RANK_PENALTY, SURE_LEAD, Context, Found, Pipeline, contexts_for, top_is_sure
from qa.reader import Reader, shared_reader
from qa.reranker import RERANKER_DIR, Reranker
from qa.retriever import HybridRetriever
from qa.squad import Example, load_part, require_data_dir, score

KS = (1, 2, 3, 4, 6)
PENALTIES = (0.0, 0.5, 1.0, 2.0, 3.0)
LEADS = (0.2, 0.3, 0.4, 0.5, 0.6)  # read the top 2 unless the top passage's fused score leads by this
RERANK_WEIGHTS = (0.0, 0.5, 1.0, 2.0)  # times the reranker's logit, added to a passage's prior


class OncePerPassage(Reader):
    """The shipped reader, running the model once per (question, passage) however they are combined."""

    def __init__(self, reader: Reader):
        super().__init__(reader.spans, reader.tokenizer, reader.calibration, reader.max_length, reader.stride)
        self.seen: dict[str, tuple[list, list, list]] = {}

    def logits(self, question, passages):
        missing = [p for p in dict.fromkeys(passages) if p not in self.seen]
        if missing:
            windows, starts, ends = super().logits(question, missing)
            for p in missing:
                self.seen[p] = ([], [], [])
            for w, s, e in zip(windows, starts, ends, strict=True):
                ws, ss, es = self.seen[missing[w.example]]
                ws.append(w)
                ss.append(s)
                es.append(e)
        out: tuple[list, list, list] = ([], [], [])
        for i, p in enumerate(passages):
            ws, ss, es = self.seen[p]
            out[0].extend(replace(w, example=i) for w in ws)
            out[1].extend(ss)
            out[2].extend(es)
        return out


class RerankerPrior(Pipeline):
    """answer()'s reading, with `weight` times `relevance(question, context text)` (the reranker's
    logit) added to each context's prior when there are several."""

    def __init__(self, index, reader, embeddings, relevance: Callable[[str, str], float], weight: float, rank_penalty: float):
        super().__init__(index, reader, embeddings, rank_penalty=rank_penalty)
        self.relevance, self.weight = relevance, weight

    def priors(self, question: str, contexts: list[Context]) -> list[float]:
        base = super().priors(question, contexts)
        if len(contexts) < 2 or not self.weight:
            return base
        return [p + self.weight * self.relevance(question, c.text) for p, c in zip(base, contexts, strict=True)]


def _mean(values: list[float]) -> float:
    return 100 * sum(values) / len(values) if values else float("nan")


def scored(example: Example, found: Found) -> tuple[bool, float]:
    """(is the question unanswerable, F1 of the reading's answer, "" when it gives none)."""
    best = found.reading.best
    return example.is_impossible, score(best.text if best else "", example)[1]


def f1_split(rows: list[tuple[bool, float]]) -> tuple[float, float, float]:
    """F1 (0..100) over all rows, the answerable ones and the unanswerable ones, from `scored` rows."""
    return _mean([f for _, f in rows]), _mean([f for imp, f in rows if not imp]), _mean([f for imp, f in rows if imp])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N dev questions")
    parser.add_argument("--reranker", type=Path, default=None, help=f"reranker folder (the shipped one: {RERANKER_DIR})")
    args = parser.parse_args()
    examples = load_part("dev", require_data_dir())[: args.limit]
    emb = shared_embeddings()
    reranker = Reranker.load(args.reranker) if args.reranker else None

    @lru_cache(maxsize=64)
    def relevance(question: str, text: str) -> float:
        """The reranker's logit for one context, scored alone: in int8 a batch's scores depend on its companions."""
        return float(reranker.scores(question, [text])[0])

    reader = OncePerPassage(shared_reader())
    f1s: dict[tuple[int, float], list[tuple[bool, float]]] = {(k, lam): [] for k in KS for lam in PENALTIES}
    by_lead: dict[float, list[tuple[bool, float]]] = {lead: [] for lead in LEADS}
    top_only = dict.fromkeys(LEADS, 0)
    weighed: dict[tuple[float, float], list[tuple[bool, float]]] = {}
    for title, doc in article_documents(examples).items():
        index = index_documents([doc], emb)
        retriever = HybridRetriever(index=index, embeddings=emb, k=max(KS), reranker=reranker, rerank_k=max(KS))
        pipelines = {lam: Pipeline(index, reader, emb, rank_penalty=lam) for lam in PENALTIES}
        default = Pipeline(index, reader, emb)  # answer()'s rank penalty, for the lead rows
        priored = (
            {(w, lam): RerankerPrior(index, reader, emb, relevance, w, lam) for w in RERANK_WEIGHTS for lam in (0.0, RANK_PENALTY)}
            if reranker is not None
            else {}
        )
        for ex in (e for e in examples if e.title == title):
            reader.seen.clear()
            ranked_scores = retriever.ranked(ex.question)
            ranked = [i for i, _ in ranked_scores]
            for lead in LEADS:
                sure = top_is_sure([s for _, s in ranked_scores], lead)
                top_only[lead] += sure
                by_lead[lead].append(scored(ex, default.read(ex.question, contexts_for(index, ranked[: 1 if sure else 2]))))
            for k in KS:
                contexts = contexts_for(index, ranked[:k])
                for lam, pipeline in pipelines.items():
                    f1s[k, lam].append(scored(ex, pipeline.read(ex.question, contexts)))
            if priored:  # after the rows above, which it must not change: see OncePerPassage
                hybrid = retriever.first_stage(ex.question, 2)
                read = contexts_for(index, [i for i, _ in hybrid][: 1 if top_is_sure([s for _, s in hybrid]) else 2])
                for key, pipeline in priored.items():
                    weighed.setdefault(key, []).append(scored(ex, pipeline.read(ex.question, read)))
    n_no = sum(e.is_impossible for e in examples)
    ranking = "hybrid retrieval" if reranker is None else f"hybrid top {max(KS)} reranked"
    print(f"dev part, end to end, {ranking}: {len(examples)} questions ({n_no} unanswerable); F1 all / HasAns / NoAns")
    for (k, lam), rows in f1s.items():
        print(f"  k {k}  rank penalty {lam:3.1f}:  " + " / ".join(f"{f:5.1f}" for f in f1_split(rows)))
    for lead, rows in by_lead.items():
        print(
            f"  top 2 unless the top leads by >= {lead:.1f}, rank penalty {RANK_PENALTY:.1f}:  "
            + " / ".join(f"{f:5.1f}" for f in f1_split(rows))
            + f"  (top 1 only: {top_only[lead]} questions)"
        )
    if weighed:
        print(f"answer()'s passages (hybrid top 2 unless the top leads by >= {SURE_LEAD}), the reranker's logit x w added to each:")
    for (w, lam), rows in weighed.items():
        print(f"  w {w:3.1f}  rank penalty {lam:3.1f}:  " + " / ".join(f"{f:5.1f}" for f in f1_split(rows)))


if __name__ == "__main__":
    main()
