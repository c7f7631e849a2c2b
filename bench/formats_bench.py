"""How fast and how cleanly documents are read: a 100-page PDF made here from the bundled article
(justified, hyphenated, with a running header and page numbers), read raw by PDFium (pypdfium2) and
by pypdf, and by docqa's reader (PDFium plus the clean-up of index.pdf_text). Prints pages per second
and, against the source text: the share of its words recovered, the words broken or run together
(tokens the source does not have, header and page numbers aside), and the paragraphs recovered whole.
Then the same for a pocket manual laid out as books are (contents with dot leaders, a running header
naming the chapter and the page, bulleted lists with a hanging indent), the article in two justified
columns, and the article as .docx and .html.

Usage: python -m bench.formats_bench
"""

from __future__ import annotations

import re
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.sample_documents import (
    HEADER,
    manual_paragraphs,
    paragraphs,
    pdf_safe,
    write_docx,
    write_html,
    write_manual_pdf,
    write_pdf,
    write_two_column_pdf,
)
from bench.timing import machine
from index.build import DEFAULT_DOCUMENT
from index.formats import read_document
from index.pdf_text import pdf_text

PAGES = 100
RUNS = 3
MANUAL_REPEAT = 3  # each chapter of the manual this many times over: four pages or more a chapter
_PAGE_NUMBER = re.compile(r"^Page \d+$")


def _raw_pdfium(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    return [page.get_textpage().get_text_range() for page in pdf]


def _raw_pypdf(path: Path) -> list[str]:
    import pypdf

    return [page.extract_text() for page in pypdf.PdfReader(path).pages]


def _best_time(read, path: Path) -> tuple[float, object]:
    """The fastest of RUNS reads, and what it returned."""
    best, out = float("inf"), None
    for _ in range(RUNS):
        t = time.perf_counter()
        out = read(path)
        best = min(best, time.perf_counter() - t)
    return best, out


def _words(text: str) -> list[str]:
    return re.findall(r"\w+(?:[-'’]\w+)*", text)


def _quality(source: str, text: str) -> tuple[float, int]:
    """(share of the source's words recovered, tokens the source does not have)."""
    body = "\n".join(line for line in text.splitlines() if line.strip() != HEADER and not _PAGE_NUMBER.match(line.strip()))
    want, got = Counter(_words(source)), Counter(_words(body))
    recovered = sum((want & got).values()) / sum(want.values())
    alien = sum(n for w, n in got.items() if w not in want)
    return recovered, alien


def _paragraphs_recovered(source: str, text: str) -> str:
    want = paragraphs(source)
    got = Counter(text.split("\n\n"))
    return f"{sum(min(n, got[p]) for p, n in Counter(want).items())}/{len(want)}"


def main() -> None:
    print(machine())
    article = pdf_safe(DEFAULT_DOCUMENT.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="docqa-formats-") as tmp:
        folder = Path(tmp)
        per_copy = write_pdf(article, folder / "one.pdf")
        repeat = 1
        while (pages := write_pdf(article, folder / "book.pdf", repeat)) < PAGES:
            repeat = max(repeat + 1, int(repeat * PAGES / pages))
        source = "\n\n".join([article] * repeat)
        print(f"{pages}-page PDF ({repeat} copies of the article, {per_copy} pages each); best of {RUNS} reads")
        print("  reader                          pages/s   words recovered   tokens not in the source   paragraphs whole")
        rows = [("PDFium (pypdfium2), raw", _raw_pdfium), ("pypdf, raw", _raw_pypdf)]
        for label, read in rows:
            seconds, pages_text = _best_time(read, folder / "book.pdf")
            recovered, alien = _quality(source, "\n".join(pages_text))
            print(f"  {label:30s} {pages / seconds:8.0f}   {recovered:15.4f}   {alien:24d}   {'-':>16s}")
        seconds, (text, starts) = _best_time(lambda p: pdf_text(p.read_bytes(), p.name), folder / "book.pdf")
        recovered, alien = _quality(source, text)
        paragraphs_whole = _paragraphs_recovered(source, text)
        print(f"  {'docqa (PDFium + clean-up)':30s} {pages / seconds:8.0f}   {recovered:15.4f}   {alien:24d}   {paragraphs_whole:>16s}")
        print(f"  docqa found {len(starts)} page starts")

        pages = write_manual_pdf(folder / "manual.pdf", MANUAL_REPEAT)
        source = "\n\n".join(manual_paragraphs(MANUAL_REPEAT))
        text = read_document(folder / "manual.pdf").text
        print(
            f"manual.pdf ({pages} pages: contents, chapter headers, bulleted lists): paragraphs and list items whole "
            f"{_paragraphs_recovered(source, text)}, tokens not in the source {_quality(source, text)[1]}"
        )

        pages = write_two_column_pdf(article, folder / "columns.pdf")
        text = read_document(folder / "columns.pdf").text
        print(f"the article in two justified columns ({pages} page(s)): paragraphs whole {_paragraphs_recovered(article, text)}")

        title = "Russia and the West at odds over Ukraine"
        write_docx(article, folder / "article.docx", title)
        write_html(article, folder / "article.html", title)
        for suffix in (".docx", ".html"):
            seconds, doc = _best_time(read_document, folder / f"article{suffix}")
            print(
                f"article{suffix}: {1000 * seconds:.1f} ms, paragraphs whole {_paragraphs_recovered(article, doc.text)}, "
                f"tokens not in the source {_quality(article, doc.text)[1]}"
            )


if __name__ == "__main__":
    main()
