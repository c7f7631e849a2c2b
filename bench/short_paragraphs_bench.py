"""docqa on text written in short paragraphs, as news and web pages are: the dev articles with every
paragraph cut into paragraphs of one and two sentences in turn, each article indexed as one document,
every question asked through answer(). SQuAD's own paragraphs run to 700 characters and more, so the
SQuAD figures cannot tell how passages are made from short ones; this bench chose
index.passages.MIN_CHARS.

Usage: python -m bench.short_paragraphs_bench [--min-chars N ...]   (default: the shipped MIN_CHARS)
Prints, per setting: F1 on the answerable and on the unanswerable questions, their F1 weighted 4 to 1
(as answer()'s threshold is chosen), the answerable questions refused, passages per article, and the
p50 of answer().
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from index.build import index_documents
from index.documents import Document
from index.passages import MIN_CHARS, paragraph_spans
from index.sentences import sentence_spans
from index.store import save_index
from qa.api import answer, forget
from qa.training.calibrate import ANSWERABLE_WEIGHT
from qa.training.e2e import article_documents
from qa.training.squad import load_part, require_data_dir, score


def short_paragraphs(text: str) -> str:
    """The text with each paragraph cut into paragraphs of one and two sentences in turn."""
    out = []
    for start, end in paragraph_spans(text):
        sentences = [text[a:b] for a, b in sentence_spans(text, start, end)]
        i = turn = 0
        while i < len(sentences):
            take = 1 + turn % 2
            out.append(" ".join(sentences[i : i + take]))
            i, turn = i + take, turn + 1
    return "\n\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-chars", type=int, nargs="+", default=[MIN_CHARS], help="index.passages.MIN_CHARS settings to compare")
    args = parser.parse_args()
    examples = load_part("dev", require_data_dir())
    docs = {title: Document(title, short_paragraphs(doc.text)) for title, doc in article_documents(examples).items()}
    answerable = sum(not ex.is_impossible for ex in examples)
    print(f"dev part in short paragraphs: {len(docs)} articles, {len(examples)} questions ({answerable} answerable)")
    for min_chars in args.min_chars:
        has, no, times = [], [], []
        refused = passages = 0
        with tempfile.TemporaryDirectory(prefix="docqa-short-") as tmp:
            folders = {}
            for title, doc in docs.items():
                index = index_documents([doc], min_passage_chars=min_chars)
                passages += len(index.passages)
                folders[title] = Path(tmp) / f"article-{len(folders)}"
                save_index(index, folders[title])
            for ex in examples:
                t = time.perf_counter()
                result = answer(ex.question, index=folders[ex.title])
                times.append((time.perf_counter() - t) * 1000)
                (no if ex.is_impossible else has).append(score(result.text, ex)[1])
                refused += not ex.is_impossible and not result.found
            for folder in folders.values():
                forget(folder)
        weighted = 100 * (ANSWERABLE_WEIGHT * sum(has) + sum(no)) / (ANSWERABLE_WEIGHT * len(has) + len(no))
        print(
            f"  min_chars {min_chars:4d}: HasAns F1 {100 * sum(has) / len(has):.2f}  NoAns F1 {100 * sum(no) / len(no):.2f}  "
            f"weighted {weighted:.2f}  refused {refused} of {len(has)}  {passages / len(docs):.1f} passages an article  "
            f"p50 {statistics.median(times):.1f} ms"
        )


if __name__ == "__main__":
    main()
