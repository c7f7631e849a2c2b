"""Text from a PowerPoint (.pptx) file, slide by slide in the deck's order: each slide's shapes in their
order (title first, as PowerPoint draws them), a paragraph per block, tables row by row, then the
slide's speaker notes. Slides are the deck's pages, so an answer names its slide. Slide numbers, dates
and footers are left out; hidden slides too, as a slide show skips them."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from index.errors import DocumentError
from index.tables import table_rows
from index.zipped import office_parts

_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_MAIN = "ppt/presentation.xml"
_READ = ("ppt/_rels/", "ppt/slides/", "ppt/notesSlides/")  # the parts with text and the links to them; not masters or themes
_CHROME = {"sldNum", "dt", "ftr", "hdr", "sldImg"}  # placeholders that are no part of a slide's text


def pptx_text(data: bytes, name: str) -> tuple[str, tuple[int, ...]]:
    """(text, where each slide starts in it) of a .pptx; DocumentError for a damaged file or a deck
    without text."""
    parts = office_parts(data, name, "PowerPoint", _MAIN, lambda part: part == _MAIN or part.startswith(_READ))
    slide_ids = parts[_MAIN].find(_P + "sldIdLst")
    slides = [_target(parts, _MAIN, s.get(_R + "id")) for s in (slide_ids if slide_ids is not None else [])]
    text, starts = "", []
    for slide in (s for s in slides if s in parts and parts[s].get("show") != "0"):
        starts.append(len(text) + 2 if text else 0)
        blocks = [*_blocks(parts[slide].find(f"{_P}cSld/{_P}spTree"))]
        notes = next(
            (_target(parts, slide, r.get("Id")) for r in _relations(parts, slide) if r.get("Type", "").endswith("/notesSlide")), None
        )
        if notes in parts:
            blocks.extend(_blocks(parts[notes].find(f"{_P}cSld/{_P}spTree")))
        body = "\n\n".join(blocks)
        text = f"{text}\n\n{body}" if text else body
    if not any(ch.isalnum() for ch in text):
        raise DocumentError(f"{name}: no text on its slides")
    return text, tuple(starts)


def _blocks(tree) -> Iterator[str]:
    """The text blocks of a slide's shape tree: each shape's paragraphs, a table's rows, a group's shapes."""
    if tree is None:
        return
    for shape in tree:
        if shape.tag == _P + "grpSp":
            yield from _blocks(shape)
        elif shape.tag == _P + "sp" and not _is_chrome(shape):
            body = shape.find(_P + "txBody")
            yield from (text for p in (body if body is not None else []) if p.tag == _A + "p" and (text := _paragraph(p)))
        elif shape.tag == _P + "graphicFrame":
            for table in shape.iter(_A + "tbl"):
                rows = [
                    [" ".join(_paragraph(p) for p in cell.iter(_A + "p")).strip() for cell in row.iter(_A + "tc")]
                    for row in table.iter(_A + "tr")
                ]
                yield from table_rows(rows)


def _paragraph(paragraph) -> str:
    """A paragraph's text: its runs and fields, a line break as a space, white space folded."""
    pieces = [
        " " if piece.tag == _A + "br" else "".join(piece.itertext())
        for piece in paragraph
        if piece.tag in (_A + "r", _A + "fld", _A + "br")
    ]
    return " ".join("".join(pieces).split())


def _is_chrome(shape) -> bool:
    """Whether a shape is the slide number, date, header or footer, or a notes page's slide picture."""
    placeholder = shape.find(f"{_P}nvSpPr/{_P}nvPr/{_P}ph")
    return placeholder is not None and placeholder.get("type") in _CHROME


def _relations(parts: dict, part: str) -> list:
    """The relationships of a part (from its _rels file), empty when it has none."""
    folder, file = posixpath.split(part)
    rels = parts.get(f"{folder}/_rels/{file}.rels")
    return [] if rels is None else [r for r in rels if r.tag == _REL + "Relationship"]


def _target(parts: dict, part: str, rel_id: str | None) -> str | None:
    """The part a relationship of `part` points to, as a name inside the zip."""
    for rel in _relations(parts, part):
        if rel.get("Id") == rel_id:
            return posixpath.normpath(posixpath.join(posixpath.dirname(part), rel.get("Target", "")))
    return None
