"""The text of a Markdown file (markdown-it-py, CommonMark with tables): what a reader of the rendered
page sees, without the markup. Paragraphs, headings, list items, table rows (named by their header
cells, as in Word and web pages) and code blocks become paragraphs separated by blank lines; a line
wrapped inside a paragraph is a space; links keep their words, images their alt text. A static
site's front matter (YAML between "---" lines, or TOML between "+++", before anything else) is the
page's settings, not its text, and is left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from index.documents import decode_text
from index.tables import table_rows

# inline tokens whose content is what the reader of the page sees
_SHOWN = {"text", "code_inline"}
_BREAKS = {"softbreak", "hardbreak"}
_FRONT_MATTER = re.compile(r"\A(---|\+\+\+)[ \t]*\r?\n.*?\r?\n\1[ \t]*(?:\r?\n|\Z)", re.DOTALL)


def markdown_text(data: bytes, name: str) -> tuple[str, tuple[int, ...]]:
    """(text, ()) of a Markdown file; DocumentError (from decode_text) for bytes that are not UTF-8 text."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(_FRONT_MATTER.sub("", decode_text(data, name), count=1))
    return "\n\n".join(_blocks(tokens)), ()


def _blocks(tokens) -> Iterator[str]:
    rows: list[list[str]] = []
    for token in tokens:
        if token.type == "inline":
            text = _inline(token)
            if rows:  # a cell of the table being read
                rows[-1].append(text)
            elif any(ch.isalnum() for ch in text):
                yield text
        elif token.type == "tr_open":
            rows.append([])
        elif token.type == "table_close":
            yield from table_rows(rows)
            rows = []
        elif token.type in ("fence", "code_block"):
            lines = [line.rstrip() for line in token.content.splitlines() if line.strip()]
            yield from ["\n".join(lines)] if lines else []
        elif token.type == "html_block":
            yield from _html(token.content)


def _inline(token) -> str:
    """The words of an inline token: markup dropped, an image's alt text kept, wrapped lines joined."""
    words = []
    for child in token.children or []:
        if child.type in _SHOWN:
            words.append(child.content)
        elif child.type == "image":
            words.append(" ".join(c.content for c in child.children or []))
        elif child.type in _BREAKS:
            words.append(" ")
    return " ".join("".join(words).split())


def _html(content: str) -> Iterator[str]:
    """The text of raw HTML in a Markdown file (a <details> block, a centred paragraph), if any."""
    from lxml import html

    text = " ".join(html.fragment_fromstring(content, create_parent="div").text_content().split())
    if any(ch.isalnum() for ch in text):
        yield text
