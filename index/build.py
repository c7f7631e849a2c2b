"""Build, extend and locate indexes: text -> passages -> vectors + BM25 -> atomic write."""

from __future__ import annotations

import fcntl
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.documents import Document, as_document
from index.embeddings import MODEL_NAME, MiniLMEmbeddings, shared_embeddings
from index.errors import DocqaError, DocumentError
from index.home import docqa_home
from index.passages import split_passages
from index.store import FORMAT_VERSION, Index, Manifest, create_index, load_index, read_manifest, save_index

DEFAULT_DOCUMENT = Path(__file__).resolve().parent / "data" / "article.txt"

Source = str | Path | Document


@dataclass(frozen=True)
class BuildReport:
    """What a build did: `changed` is False when the index already held exactly these documents."""

    index_dir: Path
    changed: bool
    manifest: Manifest


def default_index_dir() -> Path:
    return docqa_home() / "index"


def _documents(sources: Iterable[Source]) -> list[Document]:
    if isinstance(sources, (str, Path, Document)):
        sources = [sources]
    docs: list[Document] = []
    for i, item in enumerate(sources):
        doc = as_document(item, default_id=f"text-{i + 1}")
        if any(d.doc_id == doc.doc_id for d in docs):
            raise DocumentError(f"two documents are named {doc.doc_id!r}; give them different names")
        docs.append(doc)
    if not docs:
        raise DocumentError("no documents given")
    return docs


@contextmanager
def _locked(index_dir: Path) -> Iterator[None]:
    """One writer per index folder at a time (readers never wait)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".lock").open("w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _current(index_dir: Path) -> Manifest | None:
    try:
        return read_manifest(index_dir)
    except DocqaError:
        return None


def index_documents(
    docs: list[Document], embeddings: MiniLMEmbeddings | None = None, progress: bool = False, reuse: Index | None = None
) -> Index:
    """An in-memory index of `docs`; passages already embedded in `reuse` keep their vectors."""
    embeddings = embeddings or shared_embeddings()
    passages = [p for d in docs for p in split_passages(d.doc_id, d.text)]
    known: dict[tuple[str, int, int, str], np.ndarray] = {}
    if reuse is not None:
        for p, v in zip(reuse.passages, reuse.vectors(), strict=True):
            known[(p.doc_id, p.start, p.end, p.text)] = v
    todo = [i for i, p in enumerate(passages) if (p.doc_id, p.start, p.end, p.text) not in known]
    vectors = np.zeros((len(passages), embeddings.dimension), dtype=np.float32)
    fresh = embeddings.encode([passages[i].text for i in todo], progress=progress)
    for i, v in zip(todo, fresh, strict=True):
        vectors[i] = v
    for i, p in enumerate(passages):
        key = (p.doc_id, p.start, p.end, p.text)
        if key in known:
            vectors[i] = known[key]
    return create_index(docs, passages, vectors)


def build_index(sources: Iterable[Source] | Source, index_dir: str | Path | None = None, *, progress: bool = False) -> BuildReport:
    """Replace the index at `index_dir` with one built from `sources` (text, paths or Documents).

    A no-op when the index already holds exactly these documents (same names and content hashes).
    """
    docs = _documents(sources)
    index_dir = Path(index_dir) if index_dir else default_index_dir()
    with _locked(index_dir):
        current = _current(index_dir)
        if current is not None and _same(current, docs):
            return BuildReport(index_dir, False, current)
        index = index_documents(docs, progress=progress)
        save_index(index, index_dir)
        return BuildReport(index_dir, True, index.manifest)


def add_documents(sources: Iterable[Source] | Source, index_dir: str | Path | None = None, *, progress: bool = False) -> BuildReport:
    """Add documents to the index (a document with the same name is replaced); old vectors are reused."""
    new = _documents(sources)
    index_dir = Path(index_dir) if index_dir else default_index_dir()
    with _locked(index_dir):
        if _current(index_dir) is None:
            existing, old = [], None
        else:
            old = load_index(index_dir)
            existing = list(old.documents.values())
        names = {d.doc_id for d in new}
        docs = [d for d in existing if d.doc_id not in names] + new
        if old is not None and _same(old.manifest, docs):
            return BuildReport(index_dir, False, old.manifest)
        index = index_documents(docs, progress=progress, reuse=old)
        save_index(index, index_dir)
        return BuildReport(index_dir, True, index.manifest)


def _same(manifest: Manifest, docs: list[Document]) -> bool:
    return (
        manifest.format_version == FORMAT_VERSION
        and manifest.embedding_model == MODEL_NAME
        and [(d.doc_id, d.sha256) for d in manifest.documents] == [(d.doc_id, d.sha256) for d in docs]
    )


def ensure_default_index(index_dir: str | Path | None = None) -> Path:
    """The default index folder, built from the bundled article on first use."""
    index_dir = Path(index_dir) if index_dir else default_index_dir()
    if _current(index_dir) is None:
        build_index([DEFAULT_DOCUMENT], index_dir)
    return index_dir
