"""Which retrieved passages to read with their neighbours: those shorter than N characters, for a few N.

For each N it prints, on the default article, how many passages would be widened and the answers to
the example questions (single-slot ones, read as `answer()` reads them); and on the dev part, end to
end as `bench.rank_prior_bench` runs it (top 2, rank prior 1, answer()'s threshold), F1 all / HasAns /
NoAns and how many questions had a passage widened.

Retrieval is the hybrid ranking alone, as when NEIGHBOUR_BELOW was chosen.
Usage: python -m bench.neighbour_bench [--limit N]
"""

from __future__ import annotations

import argparse

from bench.examples import QUESTIONS
from bench.rank_prior_bench import OncePerPassage, f1_split, scored
from index import ensure_default_index, load_index, shared_embeddings
from index.build import index_documents
from qa.e2e import article_documents
from qa.pipeline import Pipeline, contexts_for
from qa.reader import shared_reader
from qa.relations import parse_relation
from qa.squad import load_part, require_data_dir

LIMITS = (0, 200, 300, 400)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N dev questions")
    args = parser.parse_args()
    emb = shared_embeddings()
    reader = OncePerPassage(shared_reader())

    article = load_index(ensure_default_index())
    questions = [q for q, previous in QUESTIONS if previous is None and parse_relation(q) is None]
    print(f"default article ({len(article.passages)} passages), {len(questions)} single-slot example questions:")
    for n in LIMITS:
        pipeline = Pipeline(article, reader, emb, neighbour_below=n)
        answers = []
        for q in questions:
            reader.seen.clear()
            best = pipeline.run(q).reading.best
            answers.append(best.text if best else "-")
        widened = sum(len(p.text) < n for p in article.passages)
        print(f"  below {n:3d} chars: {widened:2d} passages widened; answers: " + " | ".join(answers))

    examples = load_part("dev", require_data_dir())[: args.limit]
    rows: dict[int, list[tuple[bool, float]]] = {n: [] for n in LIMITS}
    widened_questions = dict.fromkeys(LIMITS, 0)
    for title, doc in article_documents(examples).items():
        index = index_documents([doc], emb)
        pipeline = Pipeline(index, reader, emb)
        for ex in (e for e in examples if e.title == title):
            reader.seen.clear()
            ranked = [i for i, _ in pipeline.retriever.ranked(ex.question)]  # the top 2, without the sure-lead rule
            for n in LIMITS:
                widened_questions[n] += any(len(index.passages[i].text) < n for i in ranked)
                rows[n].append(scored(ex, pipeline.read(ex.question, contexts_for(index, ranked, n))))
    n_no = sum(e.is_impossible for e in examples)
    print(f"dev part, end to end: {len(examples)} questions ({n_no} unanswerable); F1 all / HasAns / NoAns")
    for n, f1s in rows.items():
        print(
            f"  below {n:3d} chars: "
            + " / ".join(f"{f:5.2f}" for f in f1_split(f1s))
            + f"  ({widened_questions[n]} questions with a passage widened)"
        )


if __name__ == "__main__":
    main()
