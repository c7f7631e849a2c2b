"""One text saved the ways people keep documents, to check that docqa reads each as well as plain text:
a PDF laid out like a printed page (justified, words hyphenated across lines, a running header and
page numbers), a Word file (a heading, paragraphs, a table) and a saved web page (navigation, a cookie
banner, scripts, styles and a footer around the article). Needs the dev extras (fpdf2, python-docx).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

HEADER = "World News Daily - Europe edition"
HYPHENATE = re.compile(r"\b([a-z]{4,})([a-z]{4,})\b")  # where a soft hyphen may break a long word


def paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]


def pdf_safe(text: str) -> str:
    """The text in the PDF core fonts' character set (Latin-1): the euro sign spelt out."""
    return text.replace("€", "EUR ")


def write_pdf(text: str, path: Path, repeat: int = 1) -> int:
    """Lay `text` (Latin-1) out on A4 pages, `repeat` times over; returns the number of pages."""
    from fpdf import FPDF

    class Page(FPDF):
        def header(self):
            self.set_font("Helvetica", "I", 9)
            self.cell(0, 8, HEADER, align="C")
            self.ln(12)

        def footer(self):
            self.set_y(-15)
            self.set_font("Helvetica", "", 9)
            self.cell(0, 10, f"Page {self.page_no()}", align="C")

    pdf = Page()
    pdf.set_auto_page_break(True, 20)
    pdf.add_page()
    pdf.set_font("Times", "", 12)
    for _ in range(repeat):
        for para in paragraphs(text):
            # soft hyphens let fpdf2 break long words across lines, with a visible hyphen
            pdf.multi_cell(0, 5.5, HYPHENATE.sub("\\1\u00ad\\2", para), align="J")
            pdf.ln(3)
    pdf.output(str(path))
    return pdf.page_no()


def write_docx(text: str, path: Path, title: str, table: list[list[str]] | None = None) -> None:
    """A Word file: a heading, the paragraphs, and `table` (rows of cells) after them."""
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for para in paragraphs(text):
        document.add_paragraph(para)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, cells in zip(grid.rows, table, strict=True):
            for cell, value in zip(row.cells, cells, strict=True):
                cell.text = value
    document.save(str(path))


def write_html(text: str, path: Path, title: str) -> None:
    """A saved news page: the article inside navigation, a cookie banner, scripts, styles and a footer."""
    body = "\n".join(f"    <p>{html.escape(p)}</p>" for p in paragraphs(text))
    links = "".join(f'<li><a href="/{s.lower()}">{s}</a></li>' for s in ("Home", "World", "Business", "Sport", "Weather"))
    path.write_text(
        f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} | World News Daily</title>
<style>body {{ font-family: sans-serif; }} nav li {{ display: inline; }}</style>
<script>window.analytics = {{track: function () {{ return "Subscribe now for unlimited articles"; }}}};</script>
</head><body>
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience. <button>Accept all cookies</button></div>
<header><nav><ul>{links}</ul></nav><p>Subscribe to our newsletter for the latest headlines every morning.</p></header>
<main><article>
  <h1>{html.escape(title)}</h1>
{body}
</article>
<aside><h3>Most read</h3><ul><li><a href="/1">Ten recipes for a summer picnic</a></li>
<li><a href="/2">Markets rally on rate hopes</a></li></ul></aside>
</main>
<footer><p>Copyright 2014 World News Daily. All rights reserved.</p>
<p><a href="/privacy">Privacy policy</a> | <a href="/terms">Terms</a></p></footer>
<script src="/static/app.js"></script>
</body></html>
""",
        encoding="utf-8",
    )
