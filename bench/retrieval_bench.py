"""Retrieval quality: each article's paragraphs form one indexed document; for each answerable
question, is the paragraph holding the answer among the top 1/2/3/5 passages?

Usage: python -m bench.retrieval_bench [--part test|dev] [--weights W ...] [--reranker DIR] [--rerank-k N ...]
`--part test` (default) uses the SQuAD v1.1 test articles, `--part dev` the answerable questions of
the dev part (where the fusion weight was chosen); `--weights` adds a hybrid row per dense weight;
each `--rerank-k` adds a row of the hybrid's top N reordered by the reranker (default: the shipped
one); `--rerank-k` with no number leaves those rows out.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from index import shared_embeddings
from index.build import index_documents
from qa.e2e import article_documents
from qa.reranker import RERANKER_DIR, Reranker
from qa.retriever import DENSE_WEIGHT, MODES, RERANK_K, HybridRetriever
from qa.squad import load_examples, load_part, require_data_dir

KS = (1, 2, 3, 5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("test", "dev"), default="test")
    parser.add_argument("--weights", type=float, nargs="*", default=[], help="extra dense weights for hybrid")
    parser.add_argument("--reranker", type=Path, default=RERANKER_DIR, help="reranker folder for the reranked rows")
    parser.add_argument("--rerank-k", type=int, nargs="*", default=[RERANK_K], help="hybrid passages the reranker orders")
    args = parser.parse_args()
    data = require_data_dir()
    if args.part == "test":
        examples, name = load_examples(data / "squad-v1.1-dev.json", "test"), "SQuAD v1.1 test articles"
    else:
        examples, name = [e for e in load_part("dev", data) if not e.is_impossible], "dev part, answerable questions"
    settings = [(m, DENSE_WEIGHT, 0) for m in MODES] + [("hybrid", w, 0) for w in args.weights if w != DENSE_WEIGHT]
    reranker = Reranker.load(args.reranker) if args.rerank_k else None  # a folder without weights is an error, not a missing row
    settings += [("hybrid", DENSE_WEIGHT, n) for n in args.rerank_k]
    docs = article_documents(examples)
    emb = shared_embeddings()
    hits = {s: dict.fromkeys(KS, 0) for s in settings}
    passages = 0
    for title, doc in docs.items():
        index = index_documents([doc], emb)
        passages += len(index.passages)
        questions = [ex for ex in examples if ex.title == title]
        for mode, weight, rerank_k in settings:
            retriever = HybridRetriever(
                index=index,
                embeddings=emb,
                k=max(KS),
                mode=mode,
                dense_weight=weight,
                reranker=reranker if rerank_k else None,
                rerank_k=rerank_k,
            )
            for ex in questions:
                gold_start = doc.text.index(ex.context)
                gold_end = gold_start + len(ex.context)
                ranked = [index.passages[i] for i, _ in retriever.ranked(ex.question)]
                for k in KS:
                    if any(gold_start <= p.start and p.end <= gold_end for p in ranked[:k]):
                        hits[mode, weight, rerank_k][k] += 1
    n = len(examples)
    paragraphs = len({(ex.title, ex.context) for ex in examples})
    print(
        f"{name}: {len(docs)} articles of {paragraphs / len(docs):.1f} paragraphs ({passages / len(docs):.1f} passages) "
        f"on average, {n} questions, recall of the gold paragraph"
    )
    for mode, weight, rerank_k in settings:
        label = f"hybrid, dense weight {weight}" if mode == "hybrid" else mode
        label = f"hybrid top {rerank_k}, reranked" if rerank_k else label
        print(f"  {label:30s} " + "  ".join(f"R@{k} {hits[mode, weight, rerank_k][k] / n:.3f}" for k in KS))


if __name__ == "__main__":
    main()
