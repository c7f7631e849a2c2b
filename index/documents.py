"""Read documents for indexing, refusing what is not text with an error that names the file."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from index.errors import DocumentError

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Document:
    """A named text; `doc_id` is unique within an index, `sha256` is of the UTF-8 text."""

    doc_id: str
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


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


def read_document(path: str | Path) -> Document:
    """Load a UTF-8 text file as a Document named after the file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DocumentError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DocumentError(f"{path}: is a folder, not a file") from None
    return Document(path.name, decode_text(data, str(path)))


def as_document(item: str | Path | Document, default_id: str) -> Document:
    """A Document from a Document, a Path (read from disk) or a string of text (named `default_id`)."""
    if isinstance(item, Document):
        decode_text(item.text.encode("utf-8"), item.doc_id)
        return item
    if isinstance(item, Path):
        return read_document(item)
    if isinstance(item, str):
        return Document(default_id, decode_text(item.encode("utf-8"), default_id))
    raise TypeError(f"expected text, a Path or a Document, not {type(item).__name__}")
