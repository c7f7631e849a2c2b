"""Whose index is it: each browser session that rebuilds gets an index folder of its own.

Everyone starts on the shared default index (read-only to the app). "Rebuild" writes a private
index under `$DOCQA_HOME/sessions/<id>` for that session alone, so one user's rebuild never changes
another user's answers; it is deleted when the session ends or is reset.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from index.build import build_index
from index.documents import Document, decode_text
from index.errors import DocumentError
from index.formats import SUFFIXES, document_from_bytes
from index.home import docqa_home

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def sessions_root() -> Path:
    return docqa_home() / "sessions"


def new_session_dir() -> Path:
    return sessions_root() / uuid.uuid4().hex


def remove_session_dir(path: str | Path | None) -> None:
    """Delete a session's private index; refuses any folder outside the sessions root."""
    if not path:
        return
    path = Path(path).resolve()
    if path.parent == sessions_root().resolve():
        shutil.rmtree(path, ignore_errors=True)


def uploaded_documents(pasted: str | None, files: list[str] | None) -> list[Document]:
    """Documents from pasted text and uploaded files, each checked for type, size and encoding."""
    docs = []
    if pasted and pasted.strip():
        docs.append(Document("pasted text", decode_text(pasted.encode("utf-8"), "pasted text")))
    for file in files or []:
        path = Path(file)
        name = path.name
        if path.stat().st_size > MAX_UPLOAD_BYTES:
            raise DocumentError(f"{name}: larger than the 10 MB upload limit")
        docs.append(document_from_bytes(path.read_bytes(), name))
    if not docs:
        raise DocumentError(f"paste some text or choose a file ({', '.join(SUFFIXES)}) first")
    return docs


def build_session_index(docs: list[Document], previous: str | None) -> Path:
    """Build the documents into a fresh private folder; the previous one goes only once this succeeded."""
    folder = new_session_dir()
    try:
        build_index(docs, folder, progress=True)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    remove_session_dir(previous)
    return folder
