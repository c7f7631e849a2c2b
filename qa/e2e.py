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
from qa.api import answer
from qa.evaluate import Figures, figures
from qa.squad import Example


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
    predictions, times = [], []
    with tempfile.TemporaryDirectory(prefix="docqa-e2e-") as tmp:
        dirs = {}
        for title, doc in docs.items():
            dirs[title] = Path(tmp) / f"article-{len(dirs)}"
            build_index([doc], dirs[title])
        for ex in examples:
            t = time.perf_counter()
            kwargs = {"top_k": top_k} if top_k else {}
            predictions.append(answer(ex.question, index=dirs[ex.title], **kwargs).text)
            times.append((time.perf_counter() - t) * 1000)
    return figures(examples, predictions, times)
