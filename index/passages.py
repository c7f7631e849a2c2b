"""Split a document into passages that keep sentences whole and know where they came from."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.sentences import sentence_spans

MAX_CHARS = 1000  # a passage of this size fits one reader window (256 tokens) with its question
OVERLAP_SENTENCES = 1

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Passage:
    """A slice of one document: `text == document[start:end]`."""

    doc_id: str
    passage_id: int  # position of the passage in its document, from 0
    start: int
    end: int
    text: str


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each blank-line separated paragraph, trimmed; empty ones dropped."""
    spans, begin = [], 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        spans.append((begin, match.start()))
        begin = match.end()
    spans.append((begin, len(text)))
    result = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            result.append((a, b))
    return result


def _windows(text: str, start: int, end: int, max_chars: int, overlap: int) -> list[tuple[int, int]]:
    """Group the sentences of a long paragraph into windows of <= max_chars, overlapping by sentences."""
    sentences = []
    for a, b in sentence_spans(text, start, end):
        while b - a > max_chars:  # one huge "sentence": cut at the last space that fits
            cut = text.rfind(" ", a, a + max_chars)
            cut = cut if cut > a else a + max_chars
            sentences.append((a, cut))
            a = cut
            while a < b and text[a].isspace():
                a += 1
        if a < b:
            sentences.append((a, b))
    windows, i = [], 0
    while i < len(sentences):
        j = i
        while j + 1 < len(sentences) and sentences[j + 1][1] - sentences[i][0] <= max_chars:
            j += 1
        windows.append((sentences[i][0], sentences[j][1]))
        if j + 1 >= len(sentences):
            break
        i = max(i + 1, j + 1 - overlap)
    return windows


def split_passages(doc_id: str, text: str, max_chars: int = MAX_CHARS, overlap: int = OVERLAP_SENTENCES) -> list[Passage]:
    """Keep a paragraph whole when it fits `max_chars`; window longer ones by sentences with overlap."""
    spans = []
    for a, b in paragraph_spans(text):
        spans.extend([(a, b)] if b - a <= max_chars else _windows(text, a, b, max_chars, overlap))
    return [Passage(doc_id, i, a, b, text[a:b]) for i, (a, b) in enumerate(spans)]
