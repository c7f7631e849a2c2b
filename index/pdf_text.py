"""Text from a PDF, cleaned for the reader: lines rejoined into paragraphs, words hyphenated across
lines repaired, runs of spaces folded, running headers, footers and page numbers dropped. Returns the
text and where each page starts in it, so an answer can name its page.

PDFium (pypdfium2) extracts the text: on a 100-page PDF it was both faster and cleaner than pypdf
(`python -m bench.formats_bench`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from index.errors import DocumentError
from index.sentences import BULLETS

# Soft hyphens (U+00AD) and U+0002 may remain inside words; they are not text.
_SOFT_HYPHENS = re.compile("[\u00ad\u0002]")
_LINE_ENDS = re.compile("(?<=[\ufffe\n])|(?<=\r)(?!\n)")  # where lines end: split after each mark, keeping it
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u3000]+")
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?[-–—(\[]?\s*\d{1,4}\s*[-–—)\]]?(?:\s*(?:of|/)\s*\d{1,4})?$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?:;…\"”’)\]]$")
_EDGE_NUMBER = re.compile(r"^\d{1,4}\b|\b\d{1,4}$")  # a page number at either end of a running header
_LEADER = re.compile(r"(?:\s*\.){4,}\s*")  # a contents entry's dot leader
_BULLET = re.compile(f"^[{BULLETS}]")  # a list item's first line
EDGE_LINES = 2  # lines at the top and at the bottom of a page that may be a running header or footer


@dataclass(frozen=True)
class Line:
    """A line of a page's text, with where it starts: left edge and baseline height (points, y up), its
    font height, and where it ends (the right edge of its last character; 0 when not known)."""

    text: str
    x: float = 0.0
    y: float = 0.0
    height: float = 0.0
    right: float = 0.0


def pdf_text(data: bytes, name: str) -> tuple[str, tuple[int, ...]]:
    """(text, start offset of each page in it) of a PDF; DocumentError for an encrypted or broken
    PDF, or one without a text layer."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as err:
        if "password" in str(err).lower():
            raise DocumentError(f"{name}: the PDF is encrypted; docqa cannot read it without its password") from None
        raise DocumentError(f"{name}: not a readable PDF, it may be damaged or cut short ({err})") from None
    try:
        pages = [_page_lines(pdf[i]) for i in range(len(pdf))]
    except pdfium.PdfiumError as err:
        raise DocumentError(f"{name}: not a readable PDF, it may be damaged or cut short ({err})") from None
    finally:
        pdf.close()
    if not any(any(ch.isalnum() for line in lines for ch in line.text) for lines in pages):
        raise DocumentError(f"{name}: no text layer (a scanned PDF?): docqa does not do OCR")
    return join_pages(drop_running_lines(pages))


def _page_lines(page) -> list[Line]:
    """The page's lines in PDFium's reading order, each placed by its first character's box."""
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
        lines, at = [], 0
        # PDFium joins a line hyphenated at its end to the next one (U+FFFE marks the place), even to a
        # footer: split there again, keeping the hyphen, so lines stay lines.
        for raw in _LINE_ENDS.split(text):
            line = _SPACES.sub(" ", raw.replace("\ufffe", "-")).strip()
            if line:
                first = at + len(raw) - len(raw.lstrip())
                left, bottom, _, top = textpage.get_charbox(first, loose=True)
                right = textpage.get_charbox(at + len(raw.rstrip()) - 1, loose=True)[2]
                lines.append(Line(line, left, bottom, top - bottom, right))
            at += len(raw)
        return lines
    finally:
        textpage.close()
        page.close()


def drop_running_lines(pages: list[list[Line]]) -> list[list[Line]]:
    """Pages without their running headers and footers and their page numbers. A running line is among
    the first or last EDGE_LINES of a page and either recurs on at least half the pages, digits aside,
    or carries the page's number: at an end of the line, as far from the page's place in the PDF as
    such a line of another page with the same words, or at its end as on two other pages (a book's
    header naming its chapter: "Chapter 2: Naming 14", "Chapter 3: Tools 17")."""

    def key(line: Line) -> str:
        return re.sub(r"\d+", "#", line.text.lower())

    def page_number(line: Line, page: int) -> tuple[int, bool] | None:
        """How far the number at an end of the line is from the page's place, and whether it ends the line."""
        found = _EDGE_NUMBER.search(line.text)
        return (int(found.group()) - page, found.end() == len(line.text)) if found else None

    def edge(lines: list[Line]) -> set[int]:
        return {*range(min(EDGE_LINES, len(lines))), *range(max(0, len(lines) - EDGE_LINES), len(lines))}

    framed = list(enumerate(zip(pages, map(edge, pages), strict=True)))  # (page, (its lines, its edge lines' places))
    # each page's edge lines that end in a number: (words, the number's offset from the page, whether it ends the line)
    marks = [{(key(lines[i]), *found) for i in e if (found := page_number(lines[i], page))} for page, (lines, e) in framed]
    counts = Counter(k for _, (lines, e) in framed for k in {key(lines[i]) for i in e})
    running = {k for k, n in counts.items() if len(pages) > 1 and n >= max(2, len(pages) / 2)}
    by_words = Counter((k, offset) for m in marks for k, offset, _ in m)
    at_end = Counter(offset for m in marks for offset in {o for _, o, end in m if end})

    def is_running(line: Line, page: int) -> bool:
        if key(line) in running or _PAGE_NUMBER.match(line.text):
            return True
        found = page_number(line, page)
        return bool(found) and (by_words[key(line), found[0]] >= 2 or (found[1] and at_end[found[0]] >= 3))

    return [[line for i, line in enumerate(lines) if not (i in e and is_running(line, page))] for page, (lines, e) in framed]


def join_pages(pages: list[list[Line]]) -> tuple[str, tuple[int, ...]]:
    """Rejoin lines into paragraphs, across pages too. A paragraph ends:
    - before a line set further below its predecessor than lines usually are, or indented from the
      usual left edge, or starting with a bullet (a list item, whose indented lines go on it);
    - after a line that ends short on a sentence's end, or far short (a heading). In justified text,
      where a paragraph fills all its lines but the last to its column's edge, that is any line that
      stops short of the edge, in either of two columns; in ragged text, one much shorter than a full
      line;
    - after a contents entry, and at a page that ends a line or more above where pages usually end, on
      a sentence's end, before a page that does not open in lower case (the next paragraph did not fit).
    A line ending in a hyphen before a lower-case word is joined to it without the hyphen; contents'
    dot leaders go."""
    lines = [line for page in pages for line in page]
    full = _quantile([len(line.text) for line in lines], 0.75)
    step = _quantile([a.y - b.y for page in pages for a, b in pairwise(page) if a.y > b.y], 0.5)
    edges = _column_edges(lines)  # justified text: a line that stops short of its column's edge ends a paragraph
    left = _quantile([line.x for line in lines], 0.5)
    bottom = _quantile([page[-1].y for page in pages if page and page[-1].height], 0.1)  # where full pages end
    paragraphs: list[str] = []
    current = ""
    done = 0  # where the next paragraph starts: the finished ones with their separators
    starts: list[int] = []

    def end_paragraph() -> None:
        nonlocal current, done
        paragraphs.append(current)
        done += len(current) + 2
        current = ""

    for number, page in enumerate(pages):
        if current and _ends_short(pages[number - 1], page, bottom, step):
            end_paragraph()
        starts.append(done + len(current) + 1 if current else done)  # where the page's first line will go
        for i, line in enumerate(page):
            item = bool(_BULLET.match(current))  # a list item's lines wrap under its first word, indented
            if current and (_BULLET.match(line.text) or (i and _starts_paragraph(page[i - 1], line, step, left, item))):
                end_paragraph()
            text = _LEADER.sub(" ", _SOFT_HYPHENS.sub("", line.text)).strip()
            if not current:
                current = text
            elif current.endswith("-") and current[-2:-1].isalpha() and text[:1].islower():
                if i == 0:
                    starts[-1] -= 2  # the hyphen goes, and no space comes
                current = current[:-1] + text
            else:
                current += " " + text
            edge = next((e for e in edges if e >= line.right - 1.0), 0.0) if line.right else 0.0
            short = edge - line.right > 0.4 * line.height if edge else len(text) < 0.8 * full
            if (short and (_SENTENCE_END.search(text) or len(text) < 0.6 * full)) or _LEADER.search(line.text):
                end_paragraph()  # a contents entry, its leader reaching the page number at the margin, is one too
    if current:
        paragraphs.append(current)
    text = "\n\n".join(paragraphs)
    return text, tuple(min(s, len(text)) for s in starts)


def _column_edges(lines: list[Line]) -> list[float]:
    """The right edges that many lines end on (within a point), left to right: in justified text, the
    edge of each column. Empty when lines do not share their ends (ragged text, or ends not known)."""
    counts = Counter(round(line.right) for line in lines if line.right)
    known = sum(counts.values())
    edges = [e for e in sorted(counts) if counts[e] + counts[e - 1] + counts[e + 1] >= max(3, 0.05 * known)]
    flush = sum(1 for line in lines if line.right and any(abs(line.right - e) <= 1.0 for e in edges))
    return edges if known and flush >= 0.5 * known else []


def _ends_short(before: list[Line], page: list[Line], bottom: float, step: float) -> bool:
    """Whether the page `before` ends its last paragraph: its last line stops a line or more above
    `bottom` on a sentence's end, and `page` does not go on in lower case. Lines without a place never do."""
    if not (before and page and before[-1].height and step):
        return False
    return before[-1].y >= bottom + 0.9 * step and bool(_SENTENCE_END.search(before[-1].text)) and not page[0].text[:1].islower()


def _starts_paragraph(before: Line, line: Line, step: float, left: float, in_item: bool) -> bool:
    """Whether `line` opens a paragraph: a wider gap above it than the usual line step, or a first-line
    indent; in a list item (`in_item`), whose lines but the first are indented, a line back at the left
    edge after an indented one. Lines without a place (height 0) never do."""
    if not (line.height and step):
        return False
    gap = before.y - line.y
    if not 0 < gap <= 1.3 * step:
        return gap > 1.3 * step
    indented, before_indented = (x > left + 0.8 * line.height for x in (line.x, before.x))
    return before_indented and not indented if in_item else indented and not before_indented


def _quantile(values: list[float], q: float) -> float:
    """The q-quantile of values (0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
