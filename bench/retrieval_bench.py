"""Retrieval quality: each article's paragraphs form one indexed document; for each answerable
question, is the paragraph holding the answer among the top 1/2/3/5 passages?

Usage: python -m bench.retrieval_bench [--part test|dev] [--weights W ...] [--as-large]
`--part test` (default) uses the SQuAD v1.1 test articles, `--part dev` the answerable questions of
the dev part (where the fusion weight was chosen); `--weights` adds a hybrid row per dense weight;
`--as-large` indexes each article as a large collection is indexed (sentences embedded in int8 and
kept in fp16, passage vectors in FAISS IVF; questions stay fp32).
"""

from __future__ import annotations

import argparse

from index import shared_embeddings
from index.build import index_documents
from index.dense import ANN_MIN_PASSAGES
from qa.retriever import DENSE_WEIGHT, MODES, HybridRetriever
from qa.training.e2e import article_documents
from qa.training.squad import load_examples, load_part, require_data_dir

KS = (1, 2, 3, 5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("test", "dev"), default="test")
    parser.add_argument("--weights", type=float, nargs="*", default=[], help="extra dense weights for hybrid")
    parser.add_argument("--as-large", action="store_true", help="index as a large collection is indexed")
    args = parser.parse_args()
    data = require_data_dir()
    if args.part == "test":
        examples, name = load_examples(data / "squad-v1.1-dev.json", "test"), "SQuAD v1.1 test articles"
    else:
        examples, name = [e for e in load_part("dev", data) if not e.is_impossible], "dev part, answerable questions"
    settings = [(m, DENSE_WEIGHT) for m in MODES] + [("hybrid", w) for w in args.weights if w != DENSE_WEIGHT]
    docs = article_documents(examples)
    emb = shared_embeddings()
    hits = {s: dict.fromkeys(KS, 0) for s in settings}
    passages = 0
    for title, doc in docs.items():
        index = index_documents([doc], emb, ann_min_passages=0 if args.as_large else ANN_MIN_PASSAGES)
        passages += len(index.passages)
        questions = [ex for ex in examples if ex.title == title]
        for mode, weight in settings:
            retriever = HybridRetriever(index=index, embeddings=emb, k=max(KS), mode=mode, dense_weight=weight)
            for ex in questions:
                gold_start = doc.text.index(ex.context)
                gold_end = gold_start + len(ex.context)
                ranked = [index.passages[i] for i, _ in retriever.ranked(ex.question)]
                for k in KS:
                    if any(gold_start <= p.start and p.end <= gold_end for p in ranked[:k]):
                        hits[mode, weight][k] += 1
    n = len(examples)
    paragraphs = len({(ex.title, ex.context) for ex in examples})
    print(
        f"{name}: {len(docs)} articles of {paragraphs / len(docs):.1f} paragraphs ({passages / len(docs):.1f} passages) "
        f"on average, {n} questions, recall of the gold paragraph"
    )
    for mode, weight in settings:
        label = f"hybrid, dense weight {weight}" if mode == "hybrid" else mode
        print(f"  {label:30s} " + "  ".join(f"R@{k} {hits[mode, weight][k] / n:.3f}" for k in KS))


if __name__ == "__main__":
    main()
