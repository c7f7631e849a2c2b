"""One text saved the ways people keep documents, to check that docqa reads each as well as plain text:
a PDF laid out like a printed page (justified, words hyphenated across lines, a running header and
page numbers), a Word file (a heading, paragraphs, a table) and a saved web page (navigation, a cookie
banner, scripts, styles and a footer around the article). And a pocket manual of our own laid out as
books are, for what books do to text: contents, chapter headers, bulleted lists. Needs the dev extras
(fpdf2, python-docx).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

HEADER = "World News Daily - Europe edition"
BULLET = "\u2022"
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


def write_two_column_pdf(text: str, path: Path) -> int:
    """Lay `text` (Latin-1) out in two justified columns, as papers and newsletters are, paragraphs
    one after another with nothing between them; returns the number of pages."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Times", size=10)
    with pdf.text_columns(ncols=2, gutter=8, text_align="J", l_margin=15, r_margin=15) as columns:
        for para in paragraphs(text):
            with columns.paragraph(bottom_margin=0) as column_paragraph:
                column_paragraph.write(para)
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


MANUAL_CHAPTERS = [
    (
        "Getting started",
        [
            "Tidewatch records the water level of a harbour every few minutes and keeps a log that harbour "
            "masters, pilots and ferry crews can query from any terminal on the quay. It was written for the "
            "port of Valmora, where the old paper tide tables had to be copied by hand each season, and it now "
            "runs in eleven small harbours along the coast.",
            "Before you install it, check that the machine meets these requirements:",
            [
                "A gauge that reports the water level over a serial line or over the network, sampled at least "
                "once every ten minutes and stamped with the time of the reading.",
                "Two gigabytes of free disk space for every year of readings that the log should keep before "
                "older readings are compressed into hourly averages.",
                "A clock kept in step with a time server, because readings from two gauges are only compared "
                "when their times agree to within a second.",
            ],
            "The installer asks for the name of the harbour, the gauge's address and the datum that levels are "
            "measured from. The chart datum of Valmora is the lowest astronomical tide, and the installer "
            "offers it as the default for every harbour on the coast. A harbour that measures from mean sea "
            "level instead must say so here, since the log cannot convert readings later.",
        ],
    ),
    (
        "Reading the log",
        [
            "Every reading in the log carries the gauge that took it, the time, the level in centimetres above "
            "the datum and a quality flag. The flag is set when a reading jumps by more than the gauge's "
            "tolerance from the readings around it, which most often means a wave struck the gauge or a boat "
            "wake passed under it.",
            "The log answers three kinds of question:",
            ["The level at a given time.", "The next high and low water.", "The highest tide of a season."],
            "Levels between two readings are interpolated along a cosine curve fitted to the readings on "
            "either side. The curve follows the rise and fall of the tide far better than a straight line, "
            "and on the Valmora gauge it stays within four centimetres of a reading taken by hand at the "
            "same moment. Readings flagged for quality are left out of the fit, so a single wave cannot move "
            "the predicted level of the next high water.",
            "The pilots' station asks for the next high water each time a vessel with a draught of more than "
            "seven metres requests a berth, and it uses the answer to decide when the vessel may cross the "
            "bar at the harbour mouth. For that reason the log refuses to predict a high water from fewer "
            "than six hours of readings, and says so rather than guessing.",
        ],
    ),
    (
        "Looking after the gauge",
        [
            "A gauge that sits in salt water for months gathers weed, barnacles and silt, and each of them "
            "makes it read a little high. Tidewatch compares the gauge with the tide predicted from the "
            "harbour's own history and warns the harbour master when the two drift apart by more than the "
            "tolerance for three days running.",
            "When that warning comes, the crew on duty should:",
            [
                "Lift the gauge at low water, clean the float chamber with fresh water and a soft brush, and "
                "note the time it was out of the water in the log book.",
                "Check the gauge against the brass tide board on the north quay, which was levelled to the "
                "chart datum in 1987 and has been checked every winter since.",
                "Clear the warning from any terminal once the gauge agrees with the board again.",
            ],
            "The gauge at Valmora was last replaced in the spring of 2019, after a winter storm tore it from "
            "its mounting on the north quay. The new gauge is a radar sensor that hangs above the water and "
            "never touches it, so it needs cleaning only once a year, but its readings are disturbed by the "
            "spray of heavy seas and are flagged more often in winter.",
        ],
    ),
]


def manual_chapters(repeat: int = 1) -> list[tuple[str, list]]:
    """The manual's chapters, each a title and its blocks: a paragraph (str) or a list's items (list);
    each chapter's blocks `repeat` times over, so that chapters run over more pages."""
    return [(title, blocks * repeat) for title, blocks in MANUAL_CHAPTERS]


def manual_paragraphs(repeat: int = 1) -> list[str]:
    """The manual's paragraphs as written: headings, body paragraphs and list items ("• " first)."""
    out = []
    for number, (title, blocks) in enumerate(manual_chapters(repeat), start=1):
        out.append(f"{number} {title}")
        for block in blocks:
            out.extend([f"{BULLET} {item}" for item in block] if isinstance(block, list) else [block])
    return out


def write_manual_pdf(path: Path, repeat: int = 1) -> int:
    """A pocket manual laid out as books are: a table of contents with dot leaders, each chapter on a
    new page under its heading, the chapter's name and the page number as the running header of its
    other pages, and bulleted lists whose items wrap under their first word (a hanging indent).
    `repeat` as manual_chapters; returns the number of pages."""
    chapters = manual_chapters(repeat)
    pdf, starts = _lay_out_manual(chapters, [0] * len(chapters))  # a first pass finds where chapters start
    pdf, _ = _lay_out_manual(chapters, starts)
    pdf.output(str(path))
    return pdf.page_no()


def _lay_out_manual(chapters: list, starts: list[int]):
    """The manual as an FPDF, its contents naming `starts` as the chapters' pages; with the pages
    where the chapters did start."""
    from fpdf import FPDF

    class Book(FPDF):
        chapter = ""

        def header(self):
            if self.chapter:
                self.set_font("Helvetica", "", 9)
                self.cell(0, 8, self.chapter)
                self.cell(0, 8, str(self.page_no()), align="R", new_x="LMARGIN", new_y="NEXT")
                self.ln(6)

    pdf = Book(format=(105, 148))  # A6, a pocket manual: each chapter runs over several pages
    pdf.core_fonts_encoding = "windows-1252"  # the core fonts' WinAnsi encoding has the bullet
    pdf.set_auto_page_break(True, 20)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 12, "Contents", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Times", "", 12)
    for number, ((title, _), page) in enumerate(zip(chapters, starts, strict=True), start=1):
        entry, width = f"{number} {title} ", pdf.epw - 8
        while pdf.get_string_width(entry + ". ") < width:
            entry += ". "
        pdf.cell(width, 7, entry)
        pdf.cell(0, 7, str(page), align="R", new_x="LMARGIN", new_y="NEXT")
    found = []
    for number, (title, blocks) in enumerate(chapters, start=1):
        pdf.chapter = ""
        pdf.add_page()
        found.append(pdf.page_no())
        pdf.chapter = f"Chapter {number}: {title}"
        pdf.set_font("Helvetica", "B", 16)
        pdf.multi_cell(0, 10, f"{number} {title}")
        pdf.ln(4)
        pdf.set_font("Times", "", 12)
        for block in blocks:
            for item in block if isinstance(block, list) else [None]:
                if item is not None:
                    pdf.cell(6, 5.5, BULLET)
                pdf.multi_cell(0, 5.5, HYPHENATE.sub("\\1\u00ad\\2", block if item is None else item), align="J")
                pdf.ln(1.5 if item is not None else 3)
    return pdf, found
