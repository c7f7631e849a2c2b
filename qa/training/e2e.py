"""End-to-end evaluation: each SQuAD article becomes one indexed document and its questions go
through `answer()`, so retrieval has to find the paragraph the reader used to be given."""

from __future__ import annotations

import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from index.build import build_index
from index.documents import Document
from qa.api import answer, forget
from qa.training.evaluate import FROM_GOLD, FROM_OTHER_READ, FROM_OTHER_UNREAD, NO_ANSWER, Figures, figures
from qa.training.squad import Example
from qa.types import Answer


def article_documents(examples: Sequence[Example]) -> dict[str, Document]:
    """One document per article title: its distinct paragraphs, in order, separated by blank lines."""
    paragraphs: dict[str, list[str]] = defaultdict(list)
    for ex in examples:
        if ex.context not in paragraphs[ex.title]:
            paragraphs[ex.title].append(ex.context)
    return {title: Document(title, "\n\n".join(ps)) for title, ps in paragraphs.items()}


def evaluate_end_to_end(examples: Sequence[Example], top_k: int | None = None) -> Figures:
    """Index each article in a temporary folder and answer every question through `answer()`."""
    docs = article_documents(examples)
    predictions, times, origins = [], [], []
    with tempfile.TemporaryDirectory(prefix="docqa-e2e-") as tmp:
        dirs = {}
        for title, doc in docs.items():
            dirs[title] = Path(tmp) / f"article-{len(dirs)}"
            build_index([doc], dirs[title])
        for ex in examples:
            t = time.perf_counter()
            kwargs = {"top_k": top_k} if top_k else {}
            result = answer(ex.question, index=dirs[ex.title], **kwargs)
            times.append((time.perf_counter() - t) * 1000)
            predictions.append(result.text)
            origins.append(_origin(result, docs[ex.title].text, ex))
        for folder in dirs.values():  # answer() keeps every index it loaded until told to forget it
            forget(folder)
    return figures(examples, predictions, times, origins)


def _origin(result: Answer, document: str, example: Example) -> str:
    """Whether an answer came from the question's own paragraph of the article, from another one (with
    or without a gold answer among what the reader read), or there is none."""
    if not result.found:
        return NO_ANSWER
    start = document.index(example.context)
    ev = result.evidence[0]
    if start <= ev.start and ev.end <= start + len(example.context):
        return FROM_GOLD
    golds = [(start + a, start + a + len(text)) for text, a in zip(example.answers, example.answer_starts, strict=True)]
    seen = any(s.start <= a and b <= s.end for s in result.read for a, b in golds)
    return FROM_OTHER_READ if seen else FROM_OTHER_UNREAD
