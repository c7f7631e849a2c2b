"""Documents as people keep them: the bundled article saved as .txt, .pdf (two pages, justified, with a
running header, page numbers and hyphenated words), .docx and .html (inside navigation and a footer)
reads as the same text and gives the same answers; PDF evidence names its page; bad files get one clear
error. The files are made here, from the article and from texts written for the tests."""

import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

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
from index import build_index
from index.build import DEFAULT_DOCUMENT
from index.errors import DocumentError
from index.formats import SUFFIXES, document_from_bytes, read_document
from index.tables import table_rows
from qa import answer
from tests.conftest import STORY
from ui.render import sources_html

TITLE = "Russia and the West at odds over Ukraine"
QUESTIONS = [
    "Who is Ukraine's foreign minister?",
    "Where will Kerry meet Lavrov tomorrow?",
    "How much financial aid did the EU offer Ukraine?",
    "Who is the UN special envoy?",
    "Who refused to meet whom?",
    "What did NATO suspend?",
]


@pytest.fixture(scope="module")
def article_files(tmp_path_factory) -> dict[str, Path]:
    """The article (its euro signs spelt out, for the PDF's fonts) in each format."""
    folder = tmp_path_factory.mktemp("formats")
    text = pdf_safe(DEFAULT_DOCUMENT.read_text(encoding="utf-8"))
    files = {suffix: folder / f"article{suffix}" for suffix in (".txt", ".pdf", ".docx", ".html")}
    files[".txt"].write_text(text, encoding="utf-8")
    assert write_pdf(text, files[".pdf"]) >= 2
    write_docx(text, files[".docx"], TITLE)
    write_html(text, files[".html"], TITLE)
    return files


@pytest.fixture(scope="module")
def indexes(article_files, tmp_path_factory) -> dict[str, Path]:
    folders = {}
    for suffix, path in article_files.items():
        folders[suffix] = tmp_path_factory.mktemp(f"index-{suffix[1:]}")
        build_index([path], folders[suffix])
    return folders


def test_every_format_reads_as_the_same_paragraphs(article_files):
    plain = paragraphs(read_document(article_files[".txt"]).text)
    for suffix in (".pdf", ".docx", ".html"):
        doc = read_document(article_files[suffix])
        assert doc.doc_id == f"article{suffix}"
        extracted = doc.text.split("\n\n")
        assert [p for p in extracted if p in plain] == plain, suffix  # every paragraph, whole and in order
        extra = [p for p in extracted if p not in plain]
        assert extra == {".pdf": [], ".docx": [TITLE], ".html": [TITLE]}[suffix]


def test_a_word_table_is_read_row_by_row_under_its_header(tmp_path):
    museum = STORY.split("\n\n")[0]
    rows = [["Year", "Event"], ["1987", "The museum opened"], ["2019", "The museum bought the Little Wren"]]
    write_docx(museum, tmp_path / "museum.docx", "Valmora", rows)
    doc = read_document(tmp_path / "museum.docx")
    assert doc.text.split("\n\n") == [
        "Valmora",
        museum,
        "Year: 1987; Event: The museum opened.",
        "Year: 2019; Event: The museum bought the Little Wren.",
    ]
    assert table_rows([["Year", "Event"], ["2021", ""], ["", ""]]) == ["Year: 2021."]  # empty cells and rows left out
    assert table_rows([["", "Bergen"], ["Oslo", "Tromso"]]) == ["Bergen.", "Oslo; Tromso."]  # no header: a first row with a gap
    build_index([tmp_path / "museum.docx"], tmp_path / "ix")
    assert answer("When did the museum buy the Little Wren?", index=tmp_path / "ix").text == "2019"


WORD_XML = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def _para(*inner: str) -> str:
    return f"<w:p>{''.join(inner)}</w:p>"


def _cell(text: str, merge: str = "") -> str:
    return f"<w:tc>{f'<w:tcPr>{merge}</w:tcPr>' if merge else ''}{_para(_run(text)) if text else _para()}</w:tc>"


TEXT_BOX = (
    '<w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing">'
    f"<w:txbxContent>{_para(_run('A text box: free on Sundays.'))}</w:txbxContent></wp:inline></w:drawing></w:r>"
)
RESTART = '<w:vMerge w:val="restart"/>'
REVIEWED_PARAGRAPHS = [  # Word XML as a reviewed, templated document holds it; what each reads as
    (f"<w:sdt><w:sdtPr/><w:sdtContent>{_para(_run('Ines Calder founded it.'))}</w:sdtContent></w:sdt>", "Ines Calder founded it."),
    (
        _para(
            _run("The tug cost "),
            f'<w:ins w:id="1" w:author="a">{_run("40,000 euros")}</w:ins>',
            '<w:del w:id="2" w:author="a"><w:r><w:delText>30,000 euros</w:delText></w:r></w:del>',
            _run(" in 2019."),
        ),
        "The tug cost 40,000 euros in 2019.",
    ),
    (
        _para(
            f'<w:moveFrom w:id="3" w:author="a">{_run("Moved away. ")}</w:moveFrom>',
            f'<w:smartTag w:uri="u" w:element="place">{_run("Valmora")}</w:smartTag>',
            _run(" is a"),
            "<w:r><w:tab/><w:t>harbour town.</w:t></w:r>",
        ),
        "Valmora is a harbour town.",
    ),
    (_para(_run("Page "), f'<w:fldSimple w:instr="PAGE">{_run("4")}</w:fldSimple>', TEXT_BOX), "Page 4\n\nA text box: free on Sundays."),
    (
        f"<w:tbl><w:tr>{_cell('Country')}{_cell('City')}</w:tr>"
        f"<w:tr>{_cell('Norway', RESTART)}{_cell('Oslo')}</w:tr>"
        f"<w:tr>{_cell('', '<w:vMerge/>')}{_cell('Bergen')}</w:tr></w:tbl>",
        "Country: Norway; City: Oslo.\n\nCountry: Norway; City: Bergen.",
    ),
]


def test_a_reviewed_word_file_reads_as_word_shows_it(tmp_path):
    """Content controls, tracked insertions (not deletions or moved-away text), smart tags, fields, text
    boxes, merged table cells and footnotes: python-docx's paragraphs dropped all but the last two."""
    import docx
    from lxml import etree

    document = docx.Document()
    body = document.element.body
    for xml, _ in REVIEWED_PARAGRAPHS:
        body.insert(len(body) - 1, etree.fromstring(xml.replace(">", f" {WORD_XML}>", 1)))  # the namespace on the first tag
    document.save(tmp_path / "reviewed.docx")
    footnotes = (
        f'<w:footnotes {WORD_XML}><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        "<w:footnote w:id=\"1\"><w:p><w:r><w:t>The museum's archive holds the tug's logbooks.</w:t></w:r></w:p></w:footnote></w:footnotes>"
    )
    with zipfile.ZipFile(tmp_path / "reviewed.docx", "a") as archive:
        archive.writestr("word/footnotes.xml", footnotes)
    expected = "\n\n".join(text for _, text in REVIEWED_PARAGRAPHS) + "\n\nThe museum's archive holds the tug's logbooks."
    assert read_document(tmp_path / "reviewed.docx").text == expected


HAND_WRAPPED_PAGE = b"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Valmora</title></head><body>
<nav><a href="/">Home</a> <a href="/visit">Visit</a></nav>
<main><article>
<h1>The Harbour Museum of Valmora<a class="headerlink" href="#museum" title="Permalink">&#182;</a></h1>
<p>The Harbour Museum of Valmora opened in 1987 in a former grain
warehouse beside the <em>old docks</em>. Its founder, the marine engineer
Ines Calder, donated her collection of ship models to the town.</p>
<h2><a class="anchor" aria-hidden="true" href="#hours"><svg></svg></a>Opening hours <a href="#hours">#</a></h2>
<ul>
<li>Tuesday to Saturday, from 10 to 17.</li>
<li>Sunday, from 12 to 16,<br>when entry is free.</li>
</ul>
<table><tr><th>Year</th><th>Event</th></tr><tr><td>2019</td><td>The museum bought
the Little Wren</td></tr></table>
<p>To find the tide tables, run:</p>
<pre><code>valmora-tides --harbour north

valmora-tides --month 7
</code></pre>
<p>Volunteers restored the tug over three winters, working in a shed
that the harbour board lent them.</p>
</article></main>
<footer>Copyright Valmora Town Council</footer>
</body></html>"""


def test_a_hand_wrapped_web_page_keeps_its_paragraphs_and_blocks_apart(tmp_path):
    """Line breaks in a page's source are spaces, not paragraph ends; headings, list items, table rows
    and code blocks are blocks of their own, and no evidence sentence runs from one block into the next.
    Headings lose their permalink marks (a documentation page's "Opening hours¶")."""
    doc = document_from_bytes(HAND_WRAPPED_PAGE, "museum.html")
    assert doc.text.split("\n\n") == [
        "The Harbour Museum of Valmora",
        "The Harbour Museum of Valmora opened in 1987 in a former grain warehouse beside the old docks. Its "
        "founder, the marine engineer Ines Calder, donated her collection of ship models to the town.",
        "Opening hours",
        "Tuesday to Saturday, from 10 to 17.",
        "Sunday, from 12 to 16, when entry is free.",
        "Year: 2019; Event: The museum bought the Little Wren.",
        "To find the tide tables, run:",
        "valmora-tides --harbour north\nvalmora-tides --month 7",
        "Volunteers restored the tug over three winters, working in a shed that the harbour board lent them.",
    ]
    (tmp_path / "museum.html").write_bytes(HAND_WRAPPED_PAGE)
    build_index([tmp_path / "museum.html"], tmp_path / "ix")
    found = answer("Who lent the volunteers a shed?", index=tmp_path / "ix")
    assert found.text.endswith("harbour board")
    assert found.evidence[0].sentence == doc.text.split("\n\n")[-1]


def test_a_powerpoint_deck_reads_slide_by_slide_and_answers_name_their_slide(tmp_path):
    """Titles, bullets at any level, tables row by row and speaker notes, slide by slide in order; a
    hidden slide is left out, as a slide show skips it; an answer names its slide as a PDF's its page."""
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    title = deck.slides.add_slide(deck.slide_layouts[0])
    title.shapes.title.text = "The Harbour Museum of Valmora"
    title.placeholders[1].text = "Annual report to the town council"
    year = deck.slides.add_slide(deck.slide_layouts[1])
    year.shapes.title.text = "The year in brief"
    bullets = year.placeholders[1].text_frame
    bullets.text = "The museum bought the steam tug Little Wren for 40,000 euros."
    bullets.add_paragraph().text = "Volunteers restored the tug over three winters."
    bullets.paragraphs[1].level = 1
    year.notes_slide.notes_text_frame.text = "Mention that Ines Calder, the founder, opened the new gallery in May."
    visitors = deck.slides.add_slide(deck.slide_layouts[5])
    visitors.shapes.title.text = "Visitors"
    table = visitors.shapes.add_table(3, 2, Inches(1), Inches(2), Inches(6), Inches(1.5)).table
    for r, cells in enumerate([("Year", "Visitors"), ("2022", "41,000"), ("2023", "56,500")]):
        for c, text in enumerate(cells):
            table.cell(r, c).text = text
    hidden = deck.slides.add_slide(deck.slide_layouts[1])
    hidden.shapes.title.text = "Draft figures"
    hidden._element.set("show", "0")
    deck.save(tmp_path / "report.pptx")

    doc = read_document(tmp_path / "report.pptx")
    assert doc.text.split("\n\n") == [
        "The Harbour Museum of Valmora",
        "Annual report to the town council",
        "The year in brief",
        "The museum bought the steam tug Little Wren for 40,000 euros.",
        "Volunteers restored the tug over three winters.",
        "Mention that Ines Calder, the founder, opened the new gallery in May.",
        "Visitors",
        "Year: 2022; Visitors: 41,000.",
        "Year: 2023; Visitors: 56,500.",
    ]
    assert [doc.text[start:].split("\n\n")[0] for start in doc.pages] == ["The Harbour Museum of Valmora", "The year in brief", "Visitors"]
    build_index([tmp_path / "report.pptx"], tmp_path / "ix")
    for question, text, slide in [("How much did the tug cost?", "40,000 euros", 2), ("Who opened the new gallery?", "Ines Calder", 2)]:
        found = answer(question, index=tmp_path / "ix")
        assert found.text == text and found.evidence[0].page == slide, (question, found.text)
        assert f"report.pptx, slide {slide}, passage" in sources_html(found)  # the page's Sources say slide, not page


FERRY_PAGE = b"""<html><body><main><article><h1>Ferries of Valmora</h1>
<p>The harbour board runs ferries from the north quay to four cities all year round, with extra sailings in summer.</p>
<table><thead><tr><th>Country</th><th>City</th><th>Departs</th></tr></thead><tbody>
<tr><td rowspan="3">Norway</td><td>Oslo</td><td rowspan="2">12:00</td></tr>
<tr><td>Bergen</td></tr>
<tr><td>Tromso</td><td>18:00</td></tr>
<tr><td>Denmark</td><td>Aarhus</td><td>09:15</td></tr></tbody></table></article></main></body></html>"""


def test_a_web_table_cell_that_spans_rows_is_read_in_each(tmp_path):
    """A cell spanning rows (rowspan) belongs to every row it spans: trafilatura left its places empty,
    so "Bergen" was read without its country and its time."""
    doc = document_from_bytes(FERRY_PAGE, "ferries.html")
    assert doc.text.split("\n\n")[2:] == [
        "Country: Norway; City: Oslo; Departs: 12:00.",
        "Country: Norway; City: Bergen; Departs: 12:00.",
        "Country: Norway; City: Tromso; Departs: 18:00.",
        "Country: Denmark; City: Aarhus; Departs: 09:15.",
    ]
    (tmp_path / "ferries.html").write_bytes(FERRY_PAGE)
    build_index([tmp_path / "ferries.html"], tmp_path / "ix")
    assert answer("When does the ferry to Bergen depart?", index=tmp_path / "ix").text == "12:00"


MUSEUM_MARKDOWN = """\
---
title: The Harbour Museum
tags: [museum, harbour]
---

# The Harbour Museum of Valmora

<!-- last checked by the town council -->

The museum opened in 1987 in a former grain warehouse beside the **old docks**.
Its founder, the marine engineer [Ines Calder](https://example.org/calder), donated
her collection of ship models to the town.

![The steam tug Little Wren in dry dock](wren.jpg)

## Opening hours
- Tuesday to Saturday, from 10 to 17.
- Sunday, from 12 to 16, when entry is free.

| Year | Event |
|------|-------|
| 2019 | The museum bought the `Little Wren` |

```sh
valmora-tides --harbour north
```
"""


def test_a_markdown_file_reads_as_its_rendered_text(tmp_path):
    """Markup is not text: no front matter, #, **, links' addresses, pipes or fences in what is indexed;
    a wrapped line is a space; list items, table rows and code blocks are blocks of their own."""
    doc = document_from_bytes(MUSEUM_MARKDOWN.encode(), "museum.md")
    assert doc.text.split("\n\n") == [
        "The Harbour Museum of Valmora",
        "The museum opened in 1987 in a former grain warehouse beside the old docks. Its founder, the marine "
        "engineer Ines Calder, donated her collection of ship models to the town.",
        "The steam tug Little Wren in dry dock",
        "Opening hours",
        "Tuesday to Saturday, from 10 to 17.",
        "Sunday, from 12 to 16, when entry is free.",
        "Year: 2019; Event: The museum bought the Little Wren.",
        "valmora-tides --harbour north",
    ]
    (tmp_path / "museum.md").write_text(MUSEUM_MARKDOWN, encoding="utf-8")
    build_index([tmp_path / "museum.md"], tmp_path / "ix")
    assert answer("Who donated the ship models?", index=tmp_path / "ix").text.endswith("Ines Calder")


def test_a_pdf_loses_its_header_page_numbers_and_line_end_hyphens(article_files):
    import pypdfium2 as pdfium

    raw = "".join(page.get_textpage().get_text_range() for page in pdfium.PdfDocument(article_files[".pdf"]))
    assert "\ufffe" in raw or "-\r\n" in raw  # the layout did hyphenate words across lines
    doc = read_document(article_files[".pdf"])
    assert HEADER not in doc.text and "Page 1" not in doc.text
    assert "\ufffe" not in doc.text and "\u00ad" not in doc.text
    assert "  " not in doc.text
    assert len(doc.pages) >= 2 and doc.pages[0] == 0
    for number, start in enumerate(doc.pages, start=1):
        # each page starts where the text of that page begins
        page_text = pdfium.PdfDocument(article_files[".pdf"])[number - 1].get_textpage().get_text_range()
        first_line = next(line for line in page_text.splitlines() if line.strip() and HEADER not in line)
        assert doc.text[start : start + 20] == " ".join(first_line.split()).replace("\ufffe", "")[:20]
        assert doc.page_at(start) == number


def test_a_book_laid_out_pdf_keeps_its_list_items_whole_and_loses_its_chapter_headers(tmp_path):
    """A manual: contents with dot leaders, "Chapter 1: Getting started 3" atop the chapter's later pages,
    bulleted items that wrap under their first word (read before as a paragraph per line, with the
    header inside a sentence and the leaders in the index)."""
    pages = write_manual_pdf(tmp_path / "manual.pdf")
    assert pages >= 7
    doc = read_document(tmp_path / "manual.pdf")
    found = doc.text.split("\n\n")
    assert [p for p in manual_paragraphs() if p not in found] == []
    assert "Chapter" not in doc.text and ". ." not in doc.text
    assert found[1:4] == ["1 Getting started 2", "2 Reading the log 4", "3 Looking after the gauge 6"]
    build_index([tmp_path / "manual.pdf"], tmp_path / "ix")
    compressed = answer("What are older readings compressed into?", index=tmp_path / "ix")
    assert compressed.text == "hourly averages" and compressed.evidence[0].page == 3
    assert "every ten minutes" in answer("How often must the gauge be sampled?", index=tmp_path / "ix").text


def test_a_two_column_pdf_reads_paragraph_by_paragraph(tmp_path):
    """Justified columns with nothing between paragraphs: a paragraph's last line stops short of its
    column's edge, by as little as a word, in either column (read by the share of a full line before,
    paragraphs whose last line was nearly full ran into the next: 15 of 29 whole)."""
    article = pdf_safe(DEFAULT_DOCUMENT.read_text(encoding="utf-8"))
    write_two_column_pdf(article, tmp_path / "columns.pdf")
    assert read_document(tmp_path / "columns.pdf").text.split("\n\n") == paragraphs(article)


def test_running_lines_that_carry_the_page_number_go_and_other_numbered_lines_stay():
    from index.pdf_text import Line, drop_running_lines

    def page(top: str, body: str) -> list[Line]:
        return [Line(top, 72, 800, 10), *(Line(f"{body} line {i}.", 72, 760 - 14 * i, 12) for i in range(6))]

    pages = [
        page("Chapter 2: Naming 14", "names"),  # the same words, the number one on with the page
        page("Chapter 2: Naming 15", "paths"),
        page("Table 3 lists the figures of 2019", "table"),  # a numbered line of the text, at a page's top
        page("Chapter 3: Tools 17", "tools"),  # its words are on no other page, but the offset is one of 3
    ]
    kept = [lines[0].text for lines in drop_running_lines(pages)]
    assert kept == ["names line 0.", "paths line 0.", "Table 3 lists the figures of 2019", "tools line 0."]


def test_every_format_gives_the_same_answers_and_a_pdf_names_the_page(indexes, article_files):
    import pypdfium2 as pdfium

    pdf_pages = [" ".join(p.get_textpage().get_text_range().split()) for p in pdfium.PdfDocument(article_files[".pdf"])]
    for question in QUESTIONS:
        answers = {suffix: answer(question, index=folder) for suffix, folder in indexes.items()}
        texts = {suffix: a.text for suffix, a in answers.items()}
        assert len(set(texts.values())) == 1 and texts[".txt"], f"{question}: {texts}"
        for ev in answers[".pdf"].evidence:
            assert pdf_pages[ev.page - 1].find(ev.sentence.split(",")[0][:30]) >= 0, (question, ev.page)
        assert all(ev.page is None for suffix in (".txt", ".docx", ".html") for ev in answers[suffix].evidence)


def test_the_cli_builds_from_a_pdf_and_shows_the_page(article_files, tmp_path):
    def docqa(*args):
        return subprocess.run([sys.executable, "-m", "ui", *args], capture_output=True, text=True, timeout=300)

    built = docqa("index", "build", str(article_files[".pdf"]), "--index", str(tmp_path / "ix"), "-q")
    assert built.returncode == 0, built.stderr
    asked = docqa("ask", "Who is the UN special envoy?", "--index", str(tmp_path / "ix"))
    assert asked.returncode == 0 and "Robert Serry" in asked.stdout
    assert "article.pdf p. 2 #" in asked.stdout


def _pdf(draw) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    draw(pdf)
    return bytes(pdf.output())


def _zip(members: dict[str, str]) -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return data.getvalue()


def _docx_bomb() -> bytes:
    """A zip that names word/document.xml and holds 300 MB of zeros, a few hundred KB compressed."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        with archive.open("word/media/filler.bin", "w") as filler:
            for _ in range(300):
                filler.write(bytes(2**20))
    return data.getvalue()


def test_bad_files_get_one_clear_error():
    def text_pdf(pdf):
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(0, 6, STORY.split("\n\n")[0])

    def encrypted(pdf):
        text_pdf(pdf)
        pdf.set_encryption(owner_password="owner", user_password="secret")

    def scanned(pdf):  # a page of drawn shapes and no text, as a scan without OCR looks
        pdf.rect(20, 20, 100, 60, style="F")

    good_pdf = _pdf(text_pdf)
    cases = {
        "locked.pdf": (_pdf(encrypted), "encrypted"),
        "scan.pdf": (_pdf(scanned), "no text layer"),
        "cut.pdf": (good_pdf[: len(good_pdf) // 3], "not a readable PDF"),
        "notes.pdf": (b"Just some plain text.\n", "is not a PDF file"),
        "story.txt": (good_pdf, "but a PDF file"),
        "report.docx": (b"<html><body><p>Hello</p></body></html>", "is not a Word file"),
        "fake.docx": (b"PK\x03\x04 not really a zip", "not a Word (.docx) file"),
        "bomb.docx": (_docx_bomb(), "expands to"),
        "menu.html": (b"<html><body><nav><a href='/'>Home</a></nav><script>var x = 1;</script></body></html>", "no readable text"),
        "rules.md": (b"---\n\n***\n", "has no text to index"),
        "notes.md": (b"caf\xe9 au lait", "is not UTF-8 text"),
        "slides.md": (good_pdf, "is not a Markdown file but a PDF file"),
        "deck.pptx": (b"PK\x03\x04 not really a zip", "not a PowerPoint (.pptx) file"),
        "deck.txt": (_zip({"ppt/presentation.xml": "<p:presentation/>"}), "is not a plain text file but a PowerPoint file"),
        "photos.txt": (_zip({"cat.jpg": "not text"}), "photos.txt: is not a plain text file"),
        "old.doc": (b"\xd0\xcf\x11\xe0", "docqa reads .txt"),
        "README": (b"text", "files without an extension"),
        "empty.pdf": (b"", "the file is empty"),
    }
    for name, (data, message) in cases.items():
        with pytest.raises(DocumentError, match=re.escape(message)):
            document_from_bytes(data, name)
    assert document_from_bytes(good_pdf, "good.pdf").text.startswith("The Harbour Museum of Valmora opened in 1987")
    assert set(SUFFIXES) == {".txt", ".md", ".markdown", ".pdf", ".docx", ".pptx", ".html", ".htm"}


def test_a_pdf_page_that_ends_early_on_a_sentence_ends_its_paragraph():
    """A full last line gives no sign that a paragraph ended; a page that stops a line or more above
    where pages end does (the next paragraph did not fit), unless the next page goes on in lower case."""
    from index.pdf_text import Line, join_pages

    def page(first: str, last: str, lines: int) -> list[Line]:
        """A page of full-width lines (60 characters), 15 points apart from y=120 down, ending in `last`."""
        texts = [(first + " words" * 12)[:60]] + ["filler" + " words" * 11] * (lines - 2) + [("words " * 10)[: 59 - len(last)] + " " + last]
        return [Line(t, 72, 120 - 15 * i, 12) for i, t in enumerate(texts)]

    to_the_bottom = page("The first paragraph runs", "on past the page end", 5)  # its last line at y=60
    early = page("and ends on the next page", "a line above the bottom.", 3)  # ends at y=90
    text, _ = join_pages([to_the_bottom, early, page("A new paragraph opens", "the third page", 5), to_the_bottom])
    assert [p[:18] for p in text.split("\n\n")] == ["The first paragrap", "A new paragraph op"]
    assert "above the bottom. A new" not in text and "page end and ends on" in text
    text, _ = join_pages([to_the_bottom, early, page("and a lower-case line goes on", "in the same paragraph", 5), to_the_bottom])
    assert len(text.split("\n\n")) == 1
