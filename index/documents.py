"""Documents to index: a named text, checked for what makes it indexable (index.formats reads files)."""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

from index.errors import DocumentError

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Document:
    """A named text; `doc_id` is unique within an index, `sha256` is of the UTF-8 text."""

    doc_id: str
    text: str
    pages: tuple[int, ...] = ()  # where each page starts in `text`, for a document with pages (a PDF)

    def __post_init__(self):
        object.__setattr__(self, "pages", tuple(self.pages))  # a list when read back from JSON

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def page_at(self, offset: int) -> int | None:
        """The page (from 1) that holds character `offset`, or None for a document without pages."""
        return bisect_right(self.pages, offset) if self.pages else None


def decode_text(data: bytes, name: str) -> str:
    """Decode bytes as UTF-8 text, refusing empty, binary, non-UTF-8 or oversized input."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentError(f"{name}: {len(data):,} bytes is over the {MAX_DOCUMENT_BYTES:,}-byte limit")
    if not data:
        raise DocumentError(f"{name}: the file is empty")
    if b"\x00" in data[:8192]:
        raise DocumentError(f"{name}: looks like a binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DocumentError(f"{name}: is not UTF-8 text (bad byte at position {err.start}); convert it to UTF-8 first") from None
    if not any(ch.isalnum() for ch in text):
        raise DocumentError(f"{name}: has no text to index")
    return text


def as_document(item: str | Path | Document, default_id: str) -> Document:
    """A Document from a Document, a Path (a file of a supported format) or a string of text (named `default_id`)."""
    if isinstance(item, Document):
        decode_text(item.text.encode("utf-8"), item.doc_id)
        return item
    if isinstance(item, Path):
        from index.formats import read_document  # it reads files into Documents

        return read_document(item)
    if isinstance(item, str):
        return Document(default_id, decode_text(item.encode("utf-8"), default_id))
    raise TypeError(f"expected text, a Path or a Document, not {type(item).__name__}")
