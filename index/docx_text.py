"""Text from a Word (.docx) file: paragraphs and headings in document order, tables row by row, the
text of content controls and text boxes, then the footnotes and endnotes; refusing a file that would
expand past a sane size (a zip bomb).

The document's XML is walked rather than python-docx's paragraphs: those leave out content controls
(a template's fields), text boxes, and every run inside a tracked insertion, a smart tag or a simple
field, so a reviewed document lost words mid-sentence ("bought for in 2019"). Deleted and moved-away
text (tracked deletions and moves) stays out, as Word shows the document with its changes accepted.
"""

from __future__ import annotations

from collections.abc import Iterator

from index.errors import DocumentError
from index.tables import table_rows
from index.zipped import office_parts

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_NOTES = ("word/footnotes.xml", "word/endnotes.xml")
# A run's pieces of text, and what each stands for; a tab or a line break inside a paragraph is a space.
_PIECES = {_W + "t": None, _W + "tab": " ", _W + "br": " ", _W + "cr": " ", _W + "noBreakHyphen": "-"}
# Elements that only wrap blocks (paragraphs and tables), read through.
_WRAPPERS = {_W + "sdt", _W + "sdtContent", _W + "customXml", _W + "ins", _W + "smartTag"}


def docx_text(data: bytes, name: str) -> tuple[str, tuple[int, ...]]:
    """(text, ()) of a .docx: blocks separated by blank lines; DocumentError for a damaged file."""
    parts = office_parts(data, name, "Word", "word/document.xml", lambda part: part in ("word/document.xml", *_NOTES))
    body = parts["word/document.xml"].find(_W + "body")
    if body is None:
        raise DocumentError(f"{name}: a damaged Word document (no body)")
    blocks = list(_blocks(body))
    for notes in (parts[part] for part in _NOTES if part in parts):
        blocks.extend(" ".join(_blocks(note)) for note in notes if note.get(_W + "type") is None)  # a type: the separator lines
    return "\n\n".join(b for b in blocks if b), ()


def _blocks(container) -> Iterator[str]:
    """The text blocks of a body, cell, note, text box or wrapper, in document order."""
    for child in container:
        if child.tag == _W + "p":
            yield from _text(child)
            for box in _text_boxes(child):
                yield from _blocks(box)
        elif child.tag == _W + "tbl":
            yield from table_rows(_rows(child))
        elif child.tag in _WRAPPERS:
            yield from _blocks(child)


def _text(paragraph) -> Iterator[str]:
    """A paragraph's text, white space folded, without deleted or moved-away runs and without the
    text of its text boxes (read as blocks of their own); nothing for an empty paragraph."""
    pieces = []
    for run in paragraph.iter(_W + "r"):
        if _nearest(run, _W + "p") is not paragraph or any(a.tag in (_W + "moveFrom", _W + "del") for a in run.iterancestors()):
            continue
        for piece in run:
            if piece.tag in _PIECES:
                pieces.append(piece.text or "" if _PIECES[piece.tag] is None else _PIECES[piece.tag])
    text = " ".join("".join(pieces).split())
    if text:
        yield text


def _text_boxes(paragraph) -> Iterator:
    """The text boxes anchored in a paragraph (not in a nested one), each once: a drawing's box has a
    fallback copy for older Word, which is skipped."""
    for box in paragraph.iter(_W + "txbxContent"):
        if _nearest(box, _W + "p") is paragraph and not any(a.tag == _MC + "Fallback" for a in box.iterancestors()):
            yield box


def _rows(table) -> list[list[str]]:
    """The texts of a table's cells, row by row: a cell spanning several columns once, and a cell
    merged down from the row above (vMerge) with the text of the cell it continues, so that each row
    reads whole ("Country: Norway; City: Bergen")."""
    above: dict[int, str] = {}  # grid column -> text of the last cell that started there
    rows = []
    for row in (r for r in table.iter(_W + "tr") if _nearest(r, _W + "tbl") is table):
        column = _number(row.find(f"{_W}trPr/{_W}gridBefore"), 0)
        texts = []
        for cell in (c for c in row.iter(_W + "tc") if _nearest(c, _W + "tr") is row):
            merge = cell.find(f"{_W}tcPr/{_W}vMerge")
            if merge is not None and merge.get(_W + "val", "continue") == "continue":
                text = above.get(column, "")
            else:
                text = " ".join(" ".join(_blocks(cell)).split())
            above[column] = text
            texts.append(text)
            column += _number(cell.find(f"{_W}tcPr/{_W}gridSpan"), 1)
        rows.append(texts)
    return rows


def _number(element, default: int) -> int:
    """The w:val of an element such as gridSpan, or `default` when it is absent or not a number."""
    value = element.get(_W + "val", "") if element is not None else ""
    return int(value) if value.isdigit() else default


def _nearest(element, tag: str):
    """The closest ancestor of `element` with this tag (None if there is none)."""
    return next(element.iterancestors(tag), None)
