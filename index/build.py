"""Build, extend and locate indexes: text -> passages -> vectors + BM25 -> atomic write."""

from __future__ import annotations

import fcntl
import hashlib
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from index.dense import ANN_MIN_PASSAGES
from index.documents import Document, as_document
from index.embeddings import MODEL_NAME, Encoder, shared_embeddings
from index.errors import DocqaError, DocumentError, IndexFolderError
from index.folders import files_in
from index.formats import SUFFIXES
from index.home import docqa_home
from index.passages import MIN_CHARS, split_passages
from index.sentences import sentence_spans
from index.store import CURRENT, FORMAT_VERSION, Index, Manifest, create_index, load_index, read_documents, read_manifest, save_index

DEFAULT_DOCUMENT = Path(__file__).resolve().parent / "data" / "article.txt"

Source = str | Path | Document


@dataclass(frozen=True)
class BuildReport:
    """What a build did: `changed` is False when the index already held exactly these documents."""

    index_dir: Path
    changed: bool
    manifest: Manifest
    skipped: tuple[Path, ...] = ()  # files of other types under the folders given, left out
    unreadable: tuple[str, ...] = ()  # with skip_unreadable: why each file that could not be read was left out


def default_index_dir() -> Path:
    return docqa_home() / "index"


@dataclass(frozen=True)
class _Gathered:
    """The documents of a build's sources, the files of other types in its folders, and with
    `skip_unreadable` why each file that could not be read was left out."""

    docs: list[Document]
    skipped: tuple[Path, ...]
    unreadable: tuple[str, ...]


def in_part(name: str, part: tuple[int, int] | None) -> bool:
    """Whether the document named `name` falls in part K of N (dealt out by a hash of its name, so
    machines that each build one part of the same collection agree without talking); any, for None."""
    if part is None:
        return True
    k, n = part
    return int(hashlib.sha256(name.encode("utf-8")).hexdigest(), 16) % n == k - 1


def _documents(
    sources: Iterable[Source], skip_unreadable: bool = False, progress: bool = False, part: tuple[int, int] | None = None
) -> _Gathered:
    """The documents of `sources`, a folder giving those of the files under it (index.folders); with
    `part` (K, N), only those that fall in part K of N (in_part). A file that cannot be read raises
    DocumentError, or with `skip_unreadable` is left out and said why. `progress` shows a bar over a
    folder's files."""
    from tqdm import tqdm

    if part is not None and not (isinstance(part, tuple) and len(part) == 2 and 1 <= part[0] <= part[1]):
        raise ValueError(f"part must be (K, N) with 1 <= K <= N, not {part!r}")
    if isinstance(sources, (str, Path, Document)):
        sources = [sources]
    docs: list[Document] = []
    skipped: list[Path] = []
    unreadable: list[str] = []

    def add(item: Source, name: str, rename: bool = False) -> None:
        try:
            doc = as_document(item, default_id=name)
        except DocumentError as err:
            if not (skip_unreadable and isinstance(item, Path)):
                raise
            unreadable.append(str(err))
            return
        doc = replace(doc, doc_id=name) if rename else doc
        if any(d.doc_id == doc.doc_id for d in docs):
            raise DocumentError(f"two documents are named {doc.doc_id!r}; give them different names")
        docs.append(doc)

    for i, item in enumerate(sources):
        if isinstance(item, Path) and item.is_dir():
            found = files_in(item)
            if not found.files:
                raise DocumentError(f"{item}: no documents docqa reads in this folder ({', '.join(SUFFIXES)})")
            mine = [(path, name) for path, name in found.files if in_part(name, part)]
            for path, name in tqdm(mine, desc=f"reading {item}", unit="file", disable=not progress):
                add(path, name, rename=True)
            skipped.extend(found.skipped)
        elif in_part(item.doc_id if isinstance(item, Document) else item.name if isinstance(item, Path) else f"text-{i + 1}", part):
            add(item, f"text-{i + 1}")
    if not docs:
        if unreadable:
            raise DocumentError("no documents could be read: " + "; ".join(unreadable))
        raise DocumentError(f"no documents fall in part {part[0]} of {part[1]}" if part else "no documents given")
    return _Gathered(docs, tuple(skipped), tuple(unreadable))


def check_index_folder(index_dir: Path) -> None:
    """Refuse to write an index where it would clobber something else: a file, or a folder that holds
    other files and no docqa index."""
    if index_dir.exists() and not index_dir.is_dir():
        raise IndexFolderError(f"{index_dir} is a file, not an index folder; choose a new or empty folder")
    if index_dir.is_dir() and not (index_dir / CURRENT).exists() and any(not _ours(f.name) for f in index_dir.iterdir()):
        raise IndexFolderError(f"{index_dir} holds other files and no docqa index; choose a new or empty folder")


def _ours(name: str) -> bool:
    """A name docqa writes in an index folder (a first build that crashed may have left some)."""
    return name == ".lock" or name.startswith(("gen-", ".building-", f".{CURRENT}."))


@contextmanager
def _locked(index_dir: Path) -> Iterator[None]:
    """One writer per index folder at a time (readers never wait)."""
    check_index_folder(index_dir)
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
    docs: list[Document],
    embeddings: Encoder | None = None,
    progress: bool = False,
    reuse: Index | None = None,
    cancel: threading.Event | None = None,
    ann_min_passages: int = ANN_MIN_PASSAGES,
    min_passage_chars: int = MIN_CHARS,
) -> Index:
    """An in-memory index of `docs`: their passages (index.passages.split_passages with `min_passage_chars`),
    each with the vectors of its sentences.

    Each sentence is embedded once (passages that overlap share it); sentences already embedded in
    `reuse`, at the same place with the same text, keep their vectors. From `ann_min_passages`
    passages on, the index is approximate (index.dense) and the sentences are embedded in int8: the
    hybrid retriever's recall on the SQuAD test articles moved by 0.001 at most
    (`python -m bench.retrieval_bench --as-large`).
    """
    embeddings = embeddings or shared_embeddings()
    passages = [p for d in docs for p in split_passages(d.doc_id, d.text, min_chars=min_passage_chars)]
    texts = {d.doc_id: d.text for d in docs}
    per_passage = [[(p.doc_id, a, b, texts[p.doc_id][a:b]) for a, b in sentence_spans(texts[p.doc_id], p.start, p.end)] for p in passages]
    known = _sentence_vectors(reuse) if reuse is not None else {}
    todo = list(dict.fromkeys(key for keys in per_passage for key in keys if key not in known))
    large = len(passages) >= ann_min_passages
    known.update(zip(todo, embeddings.encode([key[3] for key in todo], progress=progress, cancel=cancel, int8=large), strict=True))
    rows = [known[key] for keys in per_passage for key in keys]
    vectors = np.stack(rows) if rows else np.zeros((0, embeddings.dimension), np.float32)
    counts = [len(keys) for keys in per_passage]
    return create_index(docs, passages, vectors, counts, ann_min_passages, "int8" if large else "fp32", min_passage_chars)


def _sentence_vectors(index: Index) -> dict[tuple[str, int, int, str], np.ndarray]:
    """(doc id, start, end, text) -> vector for the sentences of an index (to reuse them)."""
    known = {}
    for i, p in enumerate(index.passages):
        text = index.documents[p.doc_id].text
        spans = sentence_spans(text, p.start, p.end)
        vectors = index.sentences_of(i)
        if len(spans) == len(vectors):  # else the index was split by another version of the splitter
            known.update(((p.doc_id, a, b, text[a:b]), v) for (a, b), v in zip(spans, vectors, strict=True))
    return known


def build_index(
    sources: Iterable[Source] | Source,
    index_dir: str | Path | None = None,
    *,
    progress: bool = False,
    cancel: threading.Event | None = None,
    encoder: Encoder | None = None,
    ann_min_passages: int = ANN_MIN_PASSAGES,
    skip_unreadable: bool = False,
    part: tuple[int, int] | None = None,
) -> BuildReport:
    """Replace the index at `index_dir` with one built from `sources` (text, paths or Documents).

    A no-op when the index already holds exactly these documents (same names and content hashes).
    Setting `cancel` stops the embedding with BuildCancelledError; the index stays as it was.
    `encoder` embeds the sentences (default: this process; `index.ray_embed.RayEncoder`: a Ray cluster).
    From `ann_min_passages` passages on, the index is built as a large collection's (see index_documents).
    A file that cannot be read stops the build with DocumentError, unless `skip_unreadable` leaves it
    out (the report says why). `part=(K, N)` builds only the documents of part K of N (in_part): one
    shard of a collection split among N machines.
    """
    gathered = _documents(sources, skip_unreadable, progress, part)
    index_dir = Path(index_dir) if index_dir else default_index_dir()
    with _locked(index_dir):
        current = _current(index_dir)
        if current is not None and _same(current, gathered.docs):
            return BuildReport(index_dir, False, current, gathered.skipped, gathered.unreadable)
        index = index_documents(gathered.docs, encoder, progress=progress, cancel=cancel, ann_min_passages=ann_min_passages)
        save_index(index, index_dir)
        return BuildReport(index_dir, True, index.manifest, gathered.skipped, gathered.unreadable)


def add_documents(
    sources: Iterable[Source] | Source,
    index_dir: str | Path | None = None,
    *,
    progress: bool = False,
    encoder: Encoder | None = None,
    skip_unreadable: bool = False,
    part: tuple[int, int] | None = None,
) -> BuildReport:
    """Add documents to the index (a document with the same name is replaced); old vectors are reused.
    `skip_unreadable` and `part` as in build_index."""
    gathered = _documents(sources, skip_unreadable, progress, part)
    new = gathered.docs
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
            return BuildReport(index_dir, False, old.manifest, gathered.skipped, gathered.unreadable)
        index = index_documents(docs, encoder, progress=progress, reuse=old)
        save_index(index, index_dir)
        return BuildReport(index_dir, True, index.manifest, gathered.skipped, gathered.unreadable)


def _same(manifest: Manifest, docs: list[Document]) -> bool:
    return (
        splits_as_now(manifest)
        and manifest.embedding_model == MODEL_NAME
        and [(d.doc_id, d.sha256) for d in manifest.documents] == [(d.doc_id, d.sha256) for d in docs]
    )


def splits_as_now(manifest: Manifest) -> bool:
    """Whether an index was written in this release's format and split into passages as it splits
    (else `upgrade_index` rebuilds it from its documents)."""
    return manifest.format_version == FORMAT_VERSION and manifest.min_passage_chars == MIN_CHARS


def upgrade_index(index_dir: str | Path | None = None, *, progress: bool = False) -> BuildReport:
    """Rebuild an index from the documents it holds (after a docqa release changed the index
    format or how text is split); a no-op when it is already current."""
    index_dir = Path(index_dir) if index_dir else default_index_dir()
    return build_index(read_documents(index_dir), index_dir, progress=progress)


def reset_index(index_dir: str | Path | None = None, *, progress: bool = False) -> BuildReport:
    """Put the bundled article back as the only document of an index (by default the default one)."""
    return build_index([DEFAULT_DOCUMENT], index_dir, progress=progress)


def ensure_default_index(index_dir: str | Path | None = None) -> Path:
    """The default index folder: built from the bundled article on first use, and rebuilt from its
    own documents when an older docqa wrote it in another format or split it otherwise."""
    index_dir = Path(index_dir) if index_dir else default_index_dir()
    current = _current(index_dir)
    if current is None:
        build_index([DEFAULT_DOCUMENT], index_dir)
    elif not splits_as_now(current):
        upgrade_index(index_dir)
    return index_dir
