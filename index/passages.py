"""Split a document into passages that keep sentences whole and know where they came from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from index.sentences import PARAGRAPH_BREAK, sentence_spans

MAX_CHARS = 1000  # a passage of this size fits one reader window (256 tokens) with its question
OVERLAP_SENTENCES = 1
# A passage shorter than this takes in the paragraphs after it (up to MAX_CHARS): news and web pages
# give a fact one or two sentences a paragraph, and a passage of one sentence leaves retrieval and the
# reader little to go on. Chosen with `python -m bench.short_paragraphs_bench --min-chars 0 300 400 500
# 600 700 1000` (the dev articles cut into paragraphs of one or two sentences, end to end; weighted F1,
# answerable refused of 909): 0 (each paragraph its own passage, as before) 59.85 and 63 refused; 300
# 61.64; 400 61.53; 500 61.77 and 40 refused; 600 61.44; 700 60.92; 1000 60.26. The dev articles as
# they are, with paragraphs of 700 characters and more, scored the same at every setting.
MIN_CHARS = 500


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
    for match in PARAGRAPH_BREAK.finditer(text):
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


def split_passages(
    doc_id: str, text: str, max_chars: int = MAX_CHARS, overlap: int = OVERLAP_SENTENCES, min_chars: int = MIN_CHARS
) -> list[Passage]:
    """Keep a paragraph whole when it fits `max_chars`; window longer ones by sentences with overlap.
    A passage shorter than `min_chars` takes in the paragraphs after it while they fit `max_chars`."""
    spans: list[tuple[int, int]] = []
    whole = False  # whether the last passage is made of whole paragraphs (not a window)
    for a, b in paragraph_spans(text):
        if b - a > max_chars:
            spans.extend(_windows(text, a, b, max_chars, overlap))
            whole = False
        elif whole and spans[-1][1] - spans[-1][0] < min_chars and b - spans[-1][0] <= max_chars:
            spans[-1] = (spans[-1][0], b)
        else:
            spans.append((a, b))
            whole = True
    return [Passage(doc_id, i, a, b, text[a:b]) for i, (a, b) in enumerate(spans)]


class PassageTable(Sequence[Passage]):
    """The passages of an index as columns (document, number, start, end). A Passage is made when
    asked for, its text sliced from its document, so a million passages keep no second copy of their text."""

    def __init__(self, rows: Sequence[Sequence], texts: Mapping[str, str]):
        """`rows` are (doc_id, passage_id, start, end); `texts` maps each doc_id to its document's text.
        ValueError when a row names an unknown document or a span outside it."""
        self._names = list(texts)
        self._texts = [texts[name] for name in self._names]
        number = {name: i for i, name in enumerate(self._names)}
        try:
            self._doc = np.fromiter((number[r[0]] for r in rows), dtype=np.int32, count=len(rows))
        except KeyError as err:
            raise ValueError(f"a passage names a document the index does not hold: {err}") from None
        columns = np.asarray([r[1:4] for r in rows], dtype=np.int64).reshape(-1, 3)
        self._pid, self._start, self._end = columns.T.copy()
        lengths = np.asarray([len(t) for t in self._texts], dtype=np.int64)
        if len(rows) and not ((self._start >= 0) & (self._start < self._end) & (self._end <= lengths[self._doc])).all():
            raise ValueError("a passage's span lies outside its document")

    @classmethod
    def of(cls, passages: Sequence[Passage], texts: Mapping[str, str]) -> PassageTable:
        return cls([(p.doc_id, p.passage_id, p.start, p.end) for p in passages], texts)

    def __len__(self) -> int:
        return len(self._doc)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        d, a, b = int(self._doc[i]), int(self._start[i]), int(self._end[i])
        return Passage(self._names[d], int(self._pid[i]), a, b, self._texts[d][a:b])

    def starts_by_document(self) -> dict[str, list[tuple[int, int]]]:
        """doc_id -> (start, passage index) of its passages, sorted by start."""
        out: dict[str, list[tuple[int, int]]] = {name: [] for name in self._names}
        for i, (d, a) in enumerate(zip(self._doc.tolist(), self._start.tolist(), strict=True)):
            out[self._names[d]].append((a, i))
        return {name: sorted(v) for name, v in out.items() if v}

    def rows(self) -> list[list]:
        """(doc_id, passage_id, start, end) of every passage, as stored in passages.json."""
        columns = zip(self._doc.tolist(), self._pid.tolist(), self._start.tolist(), self._end.tolist(), strict=True)
        return [[self._names[d], p, a, b] for d, p, a, b in columns]
