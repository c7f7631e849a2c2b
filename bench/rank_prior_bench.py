"""How many retrieved passages to read (k) and how strongly to favour the higher-ranked ones (the
rank penalty), end to end on the dev part: each dev article is indexed as one document and every
question is retrieved and read as `answer()` does, at its threshold. Prints F1 for each setting,
then for reading the top 2 unless the top passage's fused score leads the second's by a margin
(then the top one only), at answer()'s rank penalty.

Usage: python -m bench.rank_prior_bench [--limit N]
Retrieval is answer()'s hybrid ranking.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from index import shared_embeddings
from index.build import index_documents
from qa.e2e import article_documents
from qa.pipeline import RANK_PENALTY, Found, Pipeline, contexts_for, top_is_sure
from qa.reader import Reader, shared_reader
from qa.retriever import HybridRetriever
from qa.squad import Example, load_part, require_data_dir, score

KS = (1, 2, 3, 4, 6)
PENALTIES = (0.0, 0.5, 1.0, 2.0, 3.0)
LEADS = (0.2, 0.3, 0.4, 0.5, 0.6)  # read the top 2 unless the top passage's fused score leads by this


class OncePerPassage(Reader):
    """The shipped reader, running the model once per (question, passage) however they are combined."""

    def __init__(self, reader: Reader):
        super().__init__(reader.spans, reader.tokenizer, reader.calibration, reader.max_length, reader.stride, reader.length_penalty)
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
    args = parser.parse_args()
    examples = load_part("dev", require_data_dir())[: args.limit]
    emb = shared_embeddings()
    reader = OncePerPassage(shared_reader())
    f1s: dict[tuple[int, float], list[tuple[bool, float]]] = {(k, lam): [] for k in KS for lam in PENALTIES}
    by_lead: dict[float, list[tuple[bool, float]]] = {lead: [] for lead in LEADS}
    top_only = dict.fromkeys(LEADS, 0)
    for title, doc in article_documents(examples).items():
        index = index_documents([doc], emb)
        retriever = HybridRetriever(index=index, embeddings=emb, k=max(KS))
        pipelines = {lam: Pipeline(index, reader, emb, rank_penalty=lam) for lam in PENALTIES}
        default = Pipeline(index, reader, emb)  # answer()'s rank penalty, for the lead rows
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
    n_no = sum(e.is_impossible for e in examples)
    print(f"dev part, end to end, hybrid retrieval: {len(examples)} questions ({n_no} unanswerable); F1 all / HasAns / NoAns")
    for (k, lam), rows in f1s.items():
        print(f"  k {k}  rank penalty {lam:3.1f}:  " + " / ".join(f"{f:5.1f}" for f in f1_split(rows)))
    for lead, rows in by_lead.items():
        print(
            f"  top 2 unless the top leads by >= {lead:.1f}, rank penalty {RANK_PENALTY:.1f}:  "
            + " / ".join(f"{f:5.1f}" for f in f1_split(rows))
            + f"  (top 1 only: {top_only[lead]} questions)"
        )


if __name__ == "__main__":
    main()
