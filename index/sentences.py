"""Split text into sentences with their character offsets (rule-based, English news and wiki text)."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import lru_cache

PARAGRAPH_BREAK = re.compile(r"\n\s*\n")  # what separates paragraphs in a document
# What marks a list item: the common bullets, and the private-use ones of the Symbol and Wingdings fonts
# that Word's PDFs keep
BULLETS = "\u2022\u25e6\u25aa\u25ab\u2023\u25cf\u25cb\u25a0\u25a1\u25ba\u25b8\u2043\uf0b7\uf0a7"
# A sentence ends at . ! or ? (optionally followed by closing quotes or brackets) then white space,
# unless the word before the dot is a known abbreviation or a single initial, or the next word
# starts in lower case.
_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*(?=\s)")
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "gen", "col", "lt", "sgt", "capt", "gov",
    "sen", "rep", "rev", "hon", "vs", "etc", "inc", "ltd", "co", "corp", "no", "vol", "fig",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "u.s", "u.k", "e.g", "i.e", "a.m", "p.m", "approx", "dept", "est", "mt", "ft",
}  # fmt: skip


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of text[start:end], trimmed of surrounding white space.
    A sentence never runs across a blank line: a heading, a list item or a code block ends there."""
    end = len(text) if end is None else end
    spans = []
    begin = start
    for match in PARAGRAPH_BREAK.finditer(text, start, end):
        spans.extend(_sentences(text, begin, match.start()))
        begin = match.end()
    return spans + _sentences(text, begin, end)


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """sentence_spans within one paragraph."""
    spans = []
    begin = start
    for match in _END.finditer(text, start, end):
        word = re.search(r"([\w.]+)\.$", text[begin : match.start() + 1])
        token = word.group(1).lower() if word else ""
        if token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
            continue
        following = text[match.end() : match.end() + 3].lstrip()
        if following[:1].islower():  # '"Who is that?" he asked.' is one sentence
            continue
        spans.append((begin, match.end()))
        begin = match.end()
    spans.append((begin, end))
    return [s for s in (_trim(text, a, b) for a, b in spans) if s[0] < s[1]]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


@lru_cache(maxsize=32)
def _document_sentences(text: str) -> tuple[list[int], list[int]]:
    """Starts and ends of every sentence of a document, kept for the documents looked up lately:
    every answer places its evidence and alternatives in their sentences."""
    spans = sentence_spans(text)
    return [a for a, _ in spans], [b for _, b in spans]


def sentence_at(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of the sentence(s) of `text` holding the characters [start, end)."""
    starts, ends = _document_sentences(text)
    if not ends:
        return start, end
    first = min(bisect_right(ends, start), len(ends) - 1)  # the first sentence ending after `start`
    last = min(bisect_left(ends, end), len(ends) - 1)  # the first ending at or after `end`
    return starts[first], max(ends[last], ends[first])
