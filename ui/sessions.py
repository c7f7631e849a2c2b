"""Whose index is it: each browser session that rebuilds gets an index folder of its own.

Everyone starts on the shared default index (read-only to the app). "Rebuild" writes a private
index under `$DOCQA_HOME/sessions/<id>` for that session alone, so one user's rebuild never changes
another user's answers; it is deleted when the session ends or is reset.
"""

from __future__ import annotations

import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from index.build import build_index
from index.documents import Document, decode_text
from index.errors import DocqaError, DocumentError
from index.formats import SUFFIXES, document_from_bytes
from index.home import docqa_home

MAX_REBUILD_BYTES = 10 * 1024 * 1024  # what one rebuild may hold: pasted text and files together


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
    """Documents from pasted text and uploaded files, each checked for type, size and encoding, and
    all of them together for size: the same 10 MB for a paste, a file or several."""
    pasted_bytes = pasted.encode("utf-8") if pasted and pasted.strip() else b""
    paths = [Path(f) for f in files or []]
    total = len(pasted_bytes) + sum(p.stat().st_size for p in paths)
    if total > MAX_REBUILD_BYTES:
        raise DocumentError(f"{total / 2**20:.1f} MB in all is over the {MAX_REBUILD_BYTES // 2**20} MB one rebuild may hold")
    docs = [Document("pasted text", decode_text(pasted_bytes, "pasted text"))] if pasted_bytes else []
    for path in paths:
        docs.append(document_from_bytes(path.read_bytes(), path.name))
    if not docs:
        raise DocumentError(f"paste some text or choose a file ({', '.join(SUFFIXES)}) first")
    return docs


class SessionBuilds:
    """The rebuilds running now, at most one per browser session, each with the event that cancels it."""

    def __init__(self):
        self._lock = threading.Lock()
        self._running: dict[str, threading.Event] = {}

    @contextmanager
    def start(self, session: str) -> Iterator[threading.Event]:
        with self._lock:
            if session in self._running:
                raise DocqaError("a build of yours is already running: wait for it or cancel it")
            cancel = self._running[session] = threading.Event()
        try:
            yield cancel
        finally:
            with self._lock:
                self._running.pop(session, None)

    def cancel(self, session: str) -> bool:
        """Ask the session's running build to stop; False when none runs."""
        with self._lock:
            cancel = self._running.get(session)
        if cancel is not None:
            cancel.set()
        return cancel is not None


def build_session_index(docs: list[Document], previous: str | None, cancel: threading.Event | None = None) -> Path:
    """Build the documents into a fresh private folder; the previous one goes only once this succeeded."""
    folder = new_session_dir()
    try:
        build_index(docs, folder, progress=True, cancel=cancel)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    remove_session_dir(previous)
    return folder
