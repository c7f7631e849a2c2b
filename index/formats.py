"""The document formats docqa reads, in one table (FORMATS): plain text, Markdown, PDF, Word,
PowerPoint and web pages, each turned into the text that is indexed, with where its pages (a PDF's
pages, a deck's slides) start. A file's content must match its extension, and the text taken from it
meets the same limits as plain text."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from index.documents import MAX_DOCUMENT_BYTES, Document, decode_text
from index.docx_text import docx_text
from index.errors import DocumentError
from index.html_text import html_text
from index.markdown_text import markdown_text
from index.pdf_text import pdf_text
from index.pptx_text import pptx_text

MAX_FILE_BYTES = 50 * 2**20  # a PDF, Word or HTML file; the text taken from it is held to MAX_DOCUMENT_BYTES
_HTML = re.compile(rb"<(?:!doctype\s+html|html|head|body|article|main|div|p)[\s>]", re.IGNORECASE)


def _plain(data: bytes, name: str) -> tuple[str, tuple[int, ...]]:
    return decode_text(data, name), ()


@dataclass(frozen=True)
class Format:
    """A kind of document: its name, file extensions, how to recognise its bytes and read its text."""

    name: str
    suffixes: tuple[str, ...]
    looks_like: Callable[[bytes], bool]
    read: Callable[[bytes, str], tuple[str, tuple[int, ...]]]
    page: str = "page"  # what its pages are called: a deck's are slides


def _is_pdf(data: bytes) -> bool:
    return b"%PDF-" in data[:1024]


def _is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def _is_html(data: bytes) -> bool:
    return bool(_HTML.search(data[:65536]))


def _zip_kind(data: bytes) -> str | None:
    """What a zip file holds, by its main part: a Word or a PowerPoint file (None for another zip)."""
    import io
    import zipfile

    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError, EOFError):
        return None
    return "Word" if "word/document.xml" in names else "PowerPoint" if "ppt/presentation.xml" in names else None


def _is_text(data: bytes) -> bool:
    """Not a PDF or a zip (Word) file; decode_text judges the rest."""
    return not _is_pdf(data) and not _is_zip(data)


FORMATS = (
    Format("plain text", (".txt",), _is_text, _plain),
    Format("Markdown", (".md", ".markdown"), _is_text, markdown_text),
    Format("PDF", (".pdf",), _is_pdf, pdf_text),
    Format("Word", (".docx",), _is_zip, docx_text),
    Format("PowerPoint", (".pptx",), _is_zip, pptx_text, page="slide"),
    Format("web page", (".html", ".htm"), _is_html, html_text),
)
SUFFIXES = tuple(s for f in FORMATS for s in f.suffixes)


def format_of(name: str) -> Format:
    """The format a file name's extension says, or DocumentError listing the supported ones."""
    suffix = Path(name).suffix.lower()
    for f in FORMATS:
        if suffix in f.suffixes:
            return f
    raise DocumentError(f"{name}: docqa reads {', '.join(SUFFIXES)} files, not {suffix or 'files without an extension'}")


def page_word(doc_id: str) -> str:
    """What a document's pages are called, by its name: "slide" for a deck, else "page"."""
    suffix = Path(doc_id).suffix.lower()
    return next((f.page for f in FORMATS if suffix in f.suffixes), "page")


def document_from_bytes(data: bytes, name: str) -> Document:
    """The Document of a file's bytes, read as its extension says; DocumentError for a file that is
    empty, too large, damaged, of another type than its extension, or without text."""
    fmt = format_of(name)
    limit = MAX_DOCUMENT_BYTES if fmt.looks_like is _is_text else MAX_FILE_BYTES
    if len(data) > limit:
        raise DocumentError(f"{name}: {len(data):,} bytes is over the {limit:,}-byte limit")
    if not data:
        raise DocumentError(f"{name}: the file is empty")
    if not fmt.looks_like(data):
        sniffed = (f.name for f in FORMATS if f.looks_like not in (_is_text, _is_zip) and f.looks_like(data))
        actual = _zip_kind(data) if _is_zip(data) else next(sniffed, None)
        raise DocumentError(f"{name}: is not a {fmt.name} file" + (f" but a {actual} file; give it the right extension" if actual else ""))
    text, pages = fmt.read(data, name)
    text = decode_text(text.encode("utf-8"), name)  # the limits of plain text: size, some text at all
    return Document(Path(name).name, text, pages)


def read_document(path: str | Path) -> Document:
    """Load a file of any supported format as a Document named after the file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DocumentError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DocumentError(f"{path}: is a folder, not a file") from None
    return document_from_bytes(data, str(path))
