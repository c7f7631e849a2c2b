"""Retrieval quality on the SQuAD v1.1 test articles: each article's paragraphs form one indexed
document; for each question, is the paragraph holding the answer among the top 1/3/5 passages?"""

from __future__ import annotations

from index import shared_embeddings
from index.build import index_documents
from qa.e2e import article_documents
from qa.retriever import HybridRetriever
from qa.squad import load_examples, require_data_dir

MODES = ("dense", "bm25", "hybrid")
KS = (1, 3, 5)


def main() -> None:
    data = require_data_dir()
    examples = load_examples(data / "squad-v1.1-dev.json", "test")
    docs = article_documents(examples)
    emb = shared_embeddings()
    hits = {m: dict.fromkeys(KS, 0) for m in MODES}
    for title, doc in docs.items():
        index = index_documents([doc], emb)
        questions = [ex for ex in examples if ex.title == title]
        for mode in MODES:
            retriever = HybridRetriever(index=index, embeddings=emb, k=max(KS), mode=mode)
            for ex in questions:
                gold_start = doc.text.index(ex.context)
                gold_end = gold_start + len(ex.context)
                ranked = [index.passages[i] for i, _ in retriever.ranked(ex.question)]
                for k in KS:
                    if any(gold_start <= p.start and p.end <= gold_end for p in ranked[:k]):
                        hits[mode][k] += 1
    n = len(examples)
    print(f"SQuAD v1.1 test articles: {len(docs)} articles, {n} questions, recall of the gold paragraph")
    for mode in MODES:
        print(f"  {mode:7s} " + "  ".join(f"R@{k} {hits[mode][k] / n:.3f}" for k in KS))


if __name__ == "__main__":
    main()
