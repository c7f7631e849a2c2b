"""The on-disk index: FAISS vectors, sentence vectors, passages and documents in JSON, a bm25s
index, a manifest.

Layout: `DIR/CURRENT` names the live generation folder `DIR/gen-*`. A build writes a new
generation beside the live one and then swaps CURRENT in one atomic rename, so a crash mid-build
leaves the old index loadable and a reader never sees half an index. Nothing is unpickled: FAISS
reads its own format, numpy and bm25s arrays load with allow_pickle=False, the rest is JSON, and
every file is checked against the SHA-256 recorded in the manifest before FAISS, numpy or bm25s
read it (the JSON is parsed while the files are hashed on another thread: a parser only raises).

Each passage has the vectors of its sentences (`sentences.npy`, passage by passage) and, in FAISS,
their normalised mean. FAISS finds candidate passages; a candidate's dense score is then its best
sentence's cosine, which finds the one sentence a question is about even in a long passage
(`python -m bench.retrieval_bench` measures both). A large index (index.dense.ANN_MIN_PASSAGES and
more) keeps its passage vectors in an approximate FAISS index and its sentence vectors in fp16,
memory-mapped, so memory stays bounded; the manifest records which.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TypeVar

import numpy as np

from index.dense import ANN_MIN_PASSAGES, DenseSpec, build_dense, configure
from index.documents import Document
from index.embeddings import DIMENSION, MODEL_NAME
from index.errors import CorruptIndexError, IndexNotFoundError, ModelMismatchError
from index.passages import MIN_CHARS, Passage, PassageTable

T = TypeVar("T")
FORMAT_VERSION = 2  # 2: sentence vectors
CURRENT = "CURRENT"
_REBUILD_HINT = "rebuild it with `docqa index build FILE... --index {dir}`"


@dataclass(frozen=True)
class DocumentInfo:
    doc_id: str
    sha256: str
    chars: int
    passages: int


@dataclass(frozen=True)
class Manifest:
    """What an index holds and how it was made; written last, so its presence means complete."""

    format_version: int
    embedding_model: str
    dimension: int
    built_at: str
    documents: list[DocumentInfo]
    passages: int
    files: dict[str, str]  # file name -> sha256
    dense: DenseSpec = field(default_factory=DenseSpec)  # how FAISS holds the passage vectors (absent before: flat)
    sentence_dtype: str = "float32"  # float16 in large indexes
    embedding_precision: str = "fp32"  # of the documents' sentences: int8 in large indexes (questions are fp32)
    min_passage_chars: int = 0  # index.passages.MIN_CHARS when built (absent before: 0, a passage per paragraph)

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        data = dict(data)
        data["documents"] = [DocumentInfo(**d) for d in data["documents"]]
        data["dense"] = DenseSpec(**data.get("dense", {}))
        return cls(**data)


# bm25s's longer English stop-word list (NLTK's 179 words): it drops question words ("what", "did",
# "who") that the short one ("en", 33 words) kept, so "What did Russia rebuff?" no longer ranks a
# passage for its "did". On the dev part (`python -m bench.retrieval_bench --part dev`) BM25 R@1 went
# from 0.789 to 0.820 and the hybrid's R@1 / R@2 / R@5 from 0.829 / 0.927 / 0.966 to 0.838 / 0.930 /
# 0.970, the dense weight 0.5 still best at R@2. End to end on dev (`docqa eval
# ../shared/data/squad/squad-v2.0-dev.json --part dev --end-to-end`, before and after on one CPU) F1
# went from 44.55 to 44.60 and the answerable questions refused from 4.1% to 3.9%: the reader reads two
# passages, so most of the gain in R@1 was already read. An index built with the short list keeps those
# words as terms; questions no longer ask for them, so it reads on unchanged.
STOPWORDS = "en_plus"


class BM25Index:
    """Sparse keyword search over passages with bm25s (English stop words, Snowball stemming)."""

    def __init__(self, retriever):
        self.retriever = retriever

    @staticmethod
    def _tokenize(texts: list[str], return_ids: bool):
        import bm25s
        import Stemmer

        return bm25s.tokenize(texts, stopwords=STOPWORDS, stemmer=Stemmer.Stemmer("english"), return_ids=return_ids, show_progress=False)

    @classmethod
    def build(cls, texts: list[str]) -> BM25Index:
        import bm25s

        retriever = bm25s.BM25()
        retriever.index(cls._tokenize(texts, True), show_progress=False)
        return cls(retriever)

    def save(self, folder: Path) -> None:
        self.retriever.save(str(folder), allow_pickle=False)

    @classmethod
    def load(cls, folder: Path, mmap: bool = False) -> BM25Index:
        """Read a saved index; `mmap` leaves its arrays on disk, paged in as searched."""
        import bm25s

        return cls(bm25s.BM25.load(str(folder), allow_pickle=False, mmap=mmap))

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """(passage index, score) best first; passages that share no term with the query are left out."""
        n = int(self.retriever.scores["num_docs"])
        tokens = self._tokenize([query], False)
        if not tokens[0] or n == 0:
            return []
        docs, scores = self.retriever.retrieve(tokens, k=min(k, n), show_progress=False, n_threads=1)
        return [(int(d), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]


@dataclass
class Index:
    """A loaded index: documents, their passages, dense vectors (FAISS) and BM25."""

    path: Path | None
    manifest: Manifest
    documents: dict[str, Document]
    passages: PassageTable
    dense: object  # faiss.Index over normalised passage vectors (inner product == cosine)
    bm25: BM25Index
    sentence_vectors: np.ndarray  # (sentences, 384), normalised, passage by passage; fp16 and memory-mapped when large
    sentence_rows: np.ndarray  # passage i's sentences are rows sentence_rows[i]:sentence_rows[i + 1]
    _by_doc: dict[str, list[tuple[int, int]]] | None = field(default=None, repr=False, compare=False)

    def dense_search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(passage index, cosine) of the k nearest passages to one query vector, best first."""
        k = min(k, self.dense.ntotal)
        if k == 0:
            return []
        scores, ids = self.dense.search(np.asarray(vector, dtype=np.float32).reshape(1, -1), k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def best_sentence_scores(self, vector: np.ndarray, passage_indexes: Iterable[int]) -> list[tuple[int, float]]:
        """(passage index, cosine of its best sentence to the query vector), best first."""
        vector = np.asarray(vector, dtype=np.float32)
        scored = [(i, float((np.asarray(self.sentences_of(i), dtype=np.float32) @ vector).max())) for i in dict.fromkeys(passage_indexes)]
        return sorted(scored, key=lambda x: (-x[1], x[0]))

    def sentences_of(self, passage_index: int) -> np.ndarray:
        """The sentence vectors of one passage."""
        return self.sentence_vectors[self.sentence_rows[passage_index] : self.sentence_rows[passage_index + 1]]

    def passage_at(self, doc_id: str, offset: int) -> int:
        """Index of the passage of `doc_id` that holds character `offset` (the last one starting at or before it)."""
        starts = self._starts().get(doc_id)
        if not starts:
            raise KeyError(doc_id)
        pos = bisect.bisect_right(starts, (offset, len(self.passages))) - 1
        return starts[max(pos, 0)][1]

    def _starts(self) -> dict[str, list[tuple[int, int]]]:
        if self._by_doc is None:
            self._by_doc = self.passages.starts_by_document()
        return self._by_doc

    def neighbours(self, passage_index: int) -> list[int]:
        """The passage and its neighbours before and after in the same document."""
        p = self.passages[passage_index]
        out = [passage_index]
        for j in (passage_index - 1, passage_index + 1):
            if 0 <= j < len(self.passages) and self.passages[j].doc_id == p.doc_id:
                out.append(j)
        return sorted(out)


def _sha256(path: Path) -> str:
    """The file's SHA-256, read a megabyte at a time into one buffer (larger blocks fall out of the
    cache and hash slower, also beside a loader parsing JSON on another thread)."""
    h, block = hashlib.sha256(), bytearray(1 << 20)
    with path.open("rb") as f:
        while n := f.readinto(block):
            h.update(memoryview(block)[:n])
    return h.hexdigest()


def _files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): _sha256(p) for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "manifest.json"}


def passage_vectors(sentence_vectors: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Each passage's vector, the normalised mean of its sentences' (rows[i]:rows[i + 1]), in fp32."""
    if len(rows) < 2:
        return np.zeros((0, DIMENSION), np.float32)
    means = np.add.reduceat(np.asarray(sentence_vectors, np.float32), rows[:-1], axis=0) / np.diff(rows).astype(np.float32)[:, None]
    return np.ascontiguousarray(means / np.linalg.norm(means, axis=1, keepdims=True).clip(1e-12), dtype=np.float32)


def create_index(
    documents: list[Document],
    passages: list[Passage],
    sentence_vectors: np.ndarray,
    sentence_counts: list[int],
    ann_min_passages: int = ANN_MIN_PASSAGES,
    embedding_precision: str = "fp32",
    min_passage_chars: int = MIN_CHARS,
) -> Index:
    """An in-memory index over the given passages and the normalised vectors of their sentences
    (`sentence_counts[i]` rows for passage i, in passage order, embedded in `embedding_precision`);
    approximate and fp16 from `ann_min_passages` passages on. `min_passage_chars` is recorded: the
    `split_passages` setting the passages were made with."""
    if len(sentence_counts) != len(passages) or min(sentence_counts, default=1) < 1 or sum(sentence_counts) != len(sentence_vectors):
        raise ValueError("every passage needs at least one sentence vector, and the counts must add up to the vectors")
    sentence_vectors = np.ascontiguousarray(sentence_vectors, dtype=np.float32).reshape(-1, DIMENSION)
    rows = np.concatenate([[0], np.cumsum(sentence_counts, dtype=np.int64)])
    dense, spec = build_dense(passage_vectors(sentence_vectors, rows), sentence_vectors, ann_min_passages)
    if spec.kind != "flat":
        sentence_vectors = sentence_vectors.astype(np.float16)
    counts = {d.doc_id: 0 for d in documents}
    for p in passages:
        counts[p.doc_id] += 1
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        embedding_model=MODEL_NAME,
        dimension=DIMENSION,
        built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        documents=[DocumentInfo(d.doc_id, d.sha256, len(d.text), counts[d.doc_id]) for d in documents],
        passages=len(passages),
        files={},
        dense=spec,
        sentence_dtype=str(sentence_vectors.dtype),
        embedding_precision=embedding_precision,
        min_passage_chars=min_passage_chars,
    )
    bm25 = BM25Index.build([p.text for p in passages])
    table = PassageTable.of(passages, {d.doc_id: d.text for d in documents})
    return Index(None, manifest, {d.doc_id: d for d in documents}, table, dense, bm25, sentence_vectors, rows)


def save_index(index: Index, index_dir: str | Path) -> Path:
    """Write the index as a new generation under `index_dir` and make it the live one atomically."""
    import faiss

    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    gen = f"gen-{time.strftime('%Y%m%d%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:8]}"
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=index_dir))
    faiss.write_index(index.dense, str(tmp / "dense.faiss"))
    (tmp / "documents.json").write_text(json.dumps([asdict(d) for d in index.documents.values()], ensure_ascii=False), encoding="utf-8")
    (tmp / "passages.json").write_text(json.dumps(index.passages.rows()), encoding="utf-8")
    np.save(tmp / "sentences.npy", index.sentence_vectors, allow_pickle=False)
    (tmp / "sentence_rows.json").write_text(json.dumps(index.sentence_rows.tolist()), encoding="utf-8")
    index.bm25.save(tmp / "bm25")
    manifest = replace(index.manifest, files=_files(tmp))
    (tmp / "manifest.json").write_text(json.dumps(asdict(manifest), indent=1), encoding="utf-8")
    _fsync_tree(tmp)
    os.rename(tmp, index_dir / gen)
    pointer = index_dir / f".{CURRENT}.{uuid.uuid4().hex[:8]}"
    pointer.write_text(gen + "\n")
    os.replace(pointer, index_dir / CURRENT)  # the atomic switch
    _remove_stale(index_dir, keep={gen})
    index.path = index_dir / gen
    index.manifest = manifest
    return index_dir / gen


def _fsync_tree(folder: Path) -> None:
    for p in folder.rglob("*"):
        if p.is_file():
            with p.open("rb") as f:
                os.fsync(f.fileno())


def _remove_stale(index_dir: Path, keep: set[str]) -> None:
    """Drop builds left by crashed writers and all but the two newest generations (a reader may still be loading one)."""
    gens = sorted((p for p in index_dir.glob("gen-*") if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in gens[2:]:
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)
    for tmp in index_dir.glob(".building-*"):  # builds run one at a time (index.build locks): these are dead
        shutil.rmtree(tmp, ignore_errors=True)


def live_generation(index_dir: str | Path) -> Path:
    """The folder of the live generation, or IndexNotFoundError."""
    index_dir = Path(index_dir)
    pointer = index_dir / CURRENT
    if not pointer.is_file():
        raise IndexNotFoundError(f"no index at {index_dir}: build one with `docqa index build FILE... --index {index_dir}`")
    gen = index_dir / pointer.read_text(encoding="utf-8").strip()
    if not gen.is_dir() or gen.parent != index_dir:
        raise CorruptIndexError(f"the index at {index_dir} points at a missing generation; " + _REBUILD_HINT.format(dir=index_dir))
    return gen


def read_manifest(index_dir: str | Path) -> Manifest:
    """The manifest of the live generation (cheap: reads no vectors)."""
    return _manifest_at(Path(index_dir), live_generation(index_dir))


def _manifest_at(index_dir: Path, gen: Path) -> Manifest:
    try:
        return Manifest.from_json(json.loads((gen / "manifest.json").read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError) as err:
        raise CorruptIndexError(
            f"the index at {index_dir} has an unreadable manifest ({err}); " + _REBUILD_HINT.format(dir=index_dir)
        ) from None


def read_documents(index_dir: str | Path) -> list[Document]:
    """The documents of the live index, checked against the manifest, whatever its format version
    (so an index written by an older docqa can be rebuilt from its own documents)."""
    index_dir = Path(index_dir)
    gen = live_generation(index_dir)
    return _checked_read(index_dir, gen, _manifest_at(index_dir, gen), lambda: _read_documents(gen))


def _read_documents(gen: Path) -> list[Document]:
    return [Document(**d) for d in _read_json(gen / "documents.json")]


def _read_json(path: Path):
    """A JSON file of the index, parsed from its bytes (reading it as text first costs as much again)."""
    return json.loads(path.read_bytes())


def _checked_read(index_dir: Path, gen: Path, manifest: Manifest, read: Callable[[], T]) -> T:
    """`read()` the generation's JSON while its files are hashed on another thread; CorruptIndexError
    when the files differ from the manifest's checksums, or when `read` fails on them."""
    hint = _REBUILD_HINT.format(dir=index_dir)
    with ThreadPoolExecutor(1) as pool:
        checksums = pool.submit(_files, gen)
        try:
            value, error = read(), None
        except (OSError, ValueError, TypeError, KeyError, IndexError, RecursionError) as err:
            value, error = None, err
        if checksums.result() != manifest.files:
            raise CorruptIndexError(f"the index files at {gen} do not match their manifest checksums; {hint}")
    if error is not None:
        raise CorruptIndexError(f"cannot read the index at {index_dir} ({error}); {hint}") from None
    return value


def load_index(index_dir: str | Path) -> Index:
    """Load and verify the live index; a missing, corrupt or foreign-model index raises a clear error."""
    import faiss

    index_dir = Path(index_dir)
    gen = live_generation(index_dir)
    manifest = _manifest_at(index_dir, gen)
    hint = _REBUILD_HINT.format(dir=index_dir)
    if manifest.format_version != FORMAT_VERSION:
        raise CorruptIndexError(
            f"the index at {index_dir} has format {manifest.format_version}, this docqa reads {FORMAT_VERSION}; "
            f"rebuild it from its own documents with `docqa index upgrade --index {index_dir}`"
        )
    if manifest.embedding_model != MODEL_NAME or manifest.dimension != DIMENSION:
        raise ModelMismatchError(
            f"the index at {index_dir} was built with {manifest.embedding_model} ({manifest.dimension}-d), "
            f"but docqa embeds questions with {MODEL_NAME} ({DIMENSION}-d); vectors of two models cannot be compared; {hint}"
        )

    def read_tables():
        by_id = {d.doc_id: d for d in _read_documents(gen)}
        passages = PassageTable(_read_json(gen / "passages.json"), {d: doc.text for d, doc in by_id.items()})
        return by_id, passages, np.asarray(_read_json(gen / "sentence_rows.json"), dtype=np.int64)

    by_id, passages, rows = _checked_read(index_dir, gen, manifest, read_tables)
    try:
        dense = faiss.read_index(str(gen / "dense.faiss"))
        configure(dense, manifest.dense)
        large = manifest.dense.kind != "flat"  # its sentence vectors and BM25 arrays stay on disk, read as searched
        bm25 = BM25Index.load(gen / "bm25", mmap=large)
        sentences = np.load(gen / "sentences.npy", allow_pickle=False, mmap_mode="r" if large else None)
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as err:
        raise CorruptIndexError(f"cannot read the index at {index_dir} ({err}); {hint}") from None
    consistent = (
        dense.ntotal == len(passages) == manifest.passages
        and dense.d == DIMENSION
        and sentences.dtype == np.dtype(manifest.sentence_dtype)
        and sentences.shape == (rows[-1] if len(rows) else -1, DIMENSION)
        and len(rows) == len(passages) + 1
        and rows[0] == 0
        and bool((np.diff(rows) >= 1).all())
    )
    if not consistent:
        raise CorruptIndexError(
            f"the index at {index_dir} is inconsistent ({dense.ntotal} vectors, {len(passages)} passages, "
            f"{len(sentences)} sentence vectors); {hint}"
        )
    return Index(gen, manifest, by_id, passages, dense, bm25, sentences, rows)
