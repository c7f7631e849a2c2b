"""The main text of a saved web page (trafilatura): the article without navigation, scripts, styles,
cookie banners, footer or headings' permalink marks; one block (paragraph, heading, list item, table row, code block) per
paragraph, blocks separated by blank lines.

trafilatura's XML keeps the page's blocks apart, where its plain text puts a line break both between
blocks and wherever the HTML source wrapped a line inside one: read as text, a hand-wrapped <p> would
fall apart into fragments of sentences.
"""

from __future__ import annotations

from collections.abc import Iterator

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

    xml = trafilatura.extract(
        data, output_format="xml", include_comments=False, include_tables=True, include_links=False, prune_xpath=_PERMALINKS
    )
    blocks = list(_blocks(etree.fromstring(xml))) if xml else []
    text = "\n\n".join(blocks)
    if sum(any(ch.isalnum() for ch in word) for word in text.split()) < MIN_WORDS:
        raise DocumentError(f"{name}: no readable text in the page")
    return text, ()


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
