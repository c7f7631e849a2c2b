"""The main text of a saved web page (trafilatura): the article without navigation, scripts, styles,
cookie banners, footer or headings' permalink marks; one block (paragraph, heading, list item, table
row, code block) per paragraph, blocks separated by blank lines; a table cell that spans rows in each.

trafilatura's XML keeps the page's blocks apart, where its plain text puts a line break both between
blocks and wherever the HTML source wrapped a line inside one: read as text, a hand-wrapped <p> would
fall apart into fragments of sentences.
"""

from __future__ import annotations

from collections.abc import Iterator
from copy import deepcopy

from index.errors import DocumentError
from index.tables import table_rows

MIN_WORDS = 5  # less than this is a menu or a button, not text to ask about
# Elements of trafilatura's XML that only hold blocks; "code" directly inside one is a code block,
# inside a paragraph it is a word of it.
_CONTAINERS = {"doc", "main", "body", "div", "list", "quote"}
_BLOCKS = _CONTAINERS | {"p", "head", "item", "table", "comments"}
# A heading's permalink: an in-page link that shows only a mark or nothing (Sphinx's and MkDocs' "¶",
# "#", "§", an icon), which would end every heading of a documentation page ("Installing¶").
_PERMALINKS = '//a[starts-with(@href, "#")][normalize-space(translate(., "\u00b6#\u00a7\U0001f517\u2693\u200b", "")) = ""]'


def html_text(data: bytes, name: str) -> tuple[str, tuple[int, ...]]:
    """(text, ()) of an HTML page; DocumentError when it holds no readable text."""
    import trafilatura
    from lxml import etree

    page = trafilatura.load_html(data)
    if page is not None:
        _spread_row_spans(page)
    options = {"include_comments": False, "include_tables": True, "include_links": False, "prune_xpath": _PERMALINKS}
    xml = trafilatura.extract(page, output_format="xml", **options) if page is not None else None
    blocks = list(_blocks(etree.fromstring(xml))) if xml else []
    text = "\n\n".join(blocks)
    if sum(any(ch.isalnum() for ch in word) for word in text.split()) < MIN_WORDS:
        raise DocumentError(f"{name}: no readable text in the page")
    return text, ()


def _spread_row_spans(page) -> None:
    """Copy each table cell that spans rows (rowspan) into the rows below it, at its column, so every
    row reads whole ("Country: Norway; City: Bergen"): trafilatura leaves those places empty."""
    for table in page.iter("table"):
        above: dict[int, tuple] = {}  # column -> (cell spanning down to it, rows it still spans)
        for row in table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr"):
            _spread_into(row, above)


def _spread_into(row, above: dict[int, tuple]) -> None:
    """Lay a row's cells out by column, with copies of the cells above that span into it."""
    queue = [c for c in row if c.tag in ("td", "th")]
    for cell in queue:
        row.remove(cell)
    column = 0
    while queue or any(c >= column for c in above):
        if column in above:
            cell, left = above.pop(column)
            copy = deepcopy(cell)
            if left > 1:
                above[column] = (cell, left - 1)
        elif queue:
            cell = copy = queue.pop(0)
            if _span(cell, "rowspan") > 1:
                above[column] = (cell, _span(cell, "rowspan") - 1)
            cell.attrib.pop("rowspan", None)  # spread here: trafilatura would leave the places empty again
        else:
            column = min(c for c in above if c >= column)
            continue
        copy.tail = None
        row.append(copy)
        column += _span(cell, "colspan")


def _span(cell, attribute: str) -> int:
    """A cell's rowspan or colspan: 1 unless the page says a sensible number."""
    value = cell.get(attribute, "1").strip()
    return min(int(value), 1000) if value.isdigit() and int(value) > 0 else 1


def _blocks(element) -> Iterator[str]:
    """The text blocks under an element, in page order: its own running text (words of inline children
    included, white space folded as a browser does) split wherever a block child interrupts it."""
    words: list[str] = [element.text or ""]
    for child in element:
        block = child.tag in _BLOCKS or (child.tag == "code" and element.tag in _CONTAINERS)
        if block:
            yield from _flush(words)
            words = []
            if child.tag == "table":
                yield from table_rows([[_inline(cell) for cell in row.iter("cell")] for row in child.iter("row")])
            elif child.tag == "code":
                lines = [line.rstrip() for line in "".join(child.itertext()).splitlines() if line.strip()]
                yield from ["\n".join(lines)] if lines else []
            elif child.tag != "comments":
                yield from _blocks(child)
        else:
            words.append(" " if child.tag == "lb" else "".join(child.itertext()))
        words.append(child.tail or "")
    yield from _flush(words)


def _inline(element) -> str:
    return " ".join("".join(element.itertext()).split())


def _flush(words: list[str]) -> Iterator[str]:
    text = " ".join("".join(words).split())
    if any(ch.isalnum() for ch in text):
        yield text
