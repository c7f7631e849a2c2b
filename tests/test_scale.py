"""Past one machine: the approximate index of large collections, and the build on Ray.

The corpus is real prose every machine has: the docstrings of sixty standard-library modules (about
300,000 characters), one document per module.
"""

from __future__ import annotations

import importlib
import inspect
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import faiss
import numpy as np
import pytest

from index.build import build_index, index_documents
from index.dense import cells_for
from index.documents import Document
from index.store import load_index, passage_vectors, save_index
from qa.retriever import HybridRetriever

MODULES = [
    "os",
    "shutil",
    "pathlib",
    "json",
    "re",
    "math",
    "statistics",
    "datetime",
    "collections",
    "itertools",
    "functools",
    "subprocess",
    "threading",
    "asyncio",
    "argparse",
    "csv",
    "sqlite3",
    "zipfile",
    "tarfile",
    "hashlib",
    "random",
    "string",
    "textwrap",
    "decimal",
    "fractions",
    "heapq",
    "bisect",
    "unittest",
    "inspect",
    "ast",
    "logging",
    "email.message",
    "http.client",
    "urllib.parse",
    "socket",
    "selectors",
    "tempfile",
    "glob",
    "fnmatch",
    "pickle",
    "copy",
    "pprint",
    "enum",
    "dataclasses",
    "contextlib",
    "abc",
    "io",
    "struct",
    "codecs",
    "locale",
    "calendar",
    "time",
    "uuid",
    "base64",
    "binascii",
    "difflib",
    "gzip",
    "bz2",
    "lzma",
    "configparser",
]

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "How do I compute the greatest common divisor of two integers?",
    "Which function returns the current working directory?",
    "How can I copy a whole directory tree?",
    "How do I parse a URL into its components?",
    "How is the median of data computed?",
    "How do I compress data with gzip?",
    "How do I start a new thread?",
    "How do I decode base64 data?",
]


def module_document(name: str) -> Document:
    """A module's docstring and the docstrings of its public names, as one document."""
    module = importlib.import_module(name)
    parts = [inspect.getdoc(module) or ""]
    for attr in sorted(vars(module)):
        obj = getattr(module, attr)
        if not attr.startswith("_") and getattr(obj, "__module__", None) == module.__name__:
            parts.append(inspect.getdoc(obj) or "")
    return Document(name, "\n\n".join(p for p in parts if p))


@pytest.fixture(scope="session")
def stdlib_docs() -> list[Document]:
    return [module_document(name) for name in MODULES]


@pytest.fixture(scope="session")
def large_index(stdlib_docs, tmp_path_factory):
    """The corpus indexed as a large collection would be (approximate from 0 passages on), written and
    read back; a passage per paragraph (2,465 of them), for enough cells that a search probes only some."""
    folder = tmp_path_factory.mktemp("large") / "index"
    save_index(index_documents(stdlib_docs, ann_min_passages=0, min_passage_chars=0), folder)
    return load_index(folder)


def exact_top(index, vectors: np.ndarray, k: int) -> np.ndarray:
    """Exact top-k passages by their mean vectors: the flat search the approximate index stands in for."""
    means = passage_vectors(index.sentence_vectors, index.sentence_rows)
    return faiss.knn(np.asarray(vectors, np.float32), means, k, metric=faiss.METRIC_INNER_PRODUCT)[1]


def test_large_index_is_approximate_fp16_and_memory_mapped(large_index):
    m = large_index.manifest
    assert m.passages > 2000
    assert (m.dense.kind, m.dense.cells) == ("ivf", cells_for(m.passages))
    assert 1 <= m.dense.nprobe < m.dense.cells and m.dense.recall_at_10 >= 0.97
    assert large_index.dense.nprobe == m.dense.nprobe  # the search parameter chosen at build is the one used
    assert m.sentence_dtype == "float16" and large_index.sentence_vectors.dtype == np.float16 and m.embedding_precision == "int8"
    assert isinstance(large_index.sentence_vectors, np.memmap)


def test_approximate_index_returns_the_exact_top_passage(large_index):
    retriever = HybridRetriever(index=large_index, embeddings=_embeddings(), mode="dense")
    vectors = np.stack([retriever.embeddings.encode_query(q) for q in QUESTIONS])
    exact = exact_top(large_index, vectors, 1)[:, 0]
    found = [large_index.dense_search(v, 1)[0][0] for v in vectors]
    assert found == exact.tolist()
    # and the question is answered from the module it is about
    assert large_index.passages[retriever.ranked(QUESTIONS[0], 1)[0][0]].doc_id == "math"


def test_recall_at_10_of_the_approximate_index(large_index):
    rng = np.random.default_rng(1)
    queries = np.asarray(large_index.sentence_vectors[rng.choice(len(large_index.sentence_vectors), 200, replace=False)], np.float32)
    exact = exact_top(large_index, queries, 10)
    found = large_index.dense.search(queries, 10)[1]
    recall = np.mean([len(set(f) & set(e)) / 10 for f, e in zip(found.tolist(), exact.tolist(), strict=True)])
    assert recall >= 0.95


def _embeddings():
    from index.embeddings import shared_embeddings

    return shared_embeddings()


# --- Ray -------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def local_ray():
    ray = pytest.importorskip("ray")
    from index.ray_embed import start_ray

    start_ray()  # this machine's cores: 2
    yield ray
    ray.shutdown()


def test_ray_build_equals_the_single_process_build(local_ray, stdlib_docs, tmp_path):
    from index.ray_embed import RayEncoder

    docs = stdlib_docs[:6]
    one = build_index(docs, tmp_path / "one")
    ray = build_index(docs, tmp_path / "ray", encoder=RayEncoder(workers=2))
    assert ray.manifest.documents == one.manifest.documents and ray.manifest.passages == one.manifest.passages
    a, b = load_index(tmp_path / "one"), load_index(tmp_path / "ray")
    assert a.passages.rows() == b.passages.rows()
    assert np.array_equal(a.sentence_rows, b.sentence_rows)
    assert np.abs(a.sentence_vectors - b.sentence_vectors).max() < 1e-5
    assert sorted(b.manifest.files) == sorted(a.manifest.files)  # the same index format


def test_interrupted_ray_build_leaves_the_old_index_live(stdlib_docs, tmp_path):
    pytest.importorskip("ray")
    folder = tmp_path / "index"
    before = build_index(stdlib_docs[:1], folder).manifest
    files = []
    for doc in stdlib_docs[:20]:
        path = tmp_path / f"{doc.doc_id}.txt"
        path.write_text(doc.text, encoding="utf-8")
        files.append(str(path))
    command = [sys.executable, "-m", "ui", "index", "build", *files, "--index", str(folder), "--ray"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)
    seen = b""
    deadline = time.monotonic() + 120
    while b"sentence/s" not in seen and time.monotonic() < deadline:  # the progress bar: embedding has begun
        chunk = os.read(proc.stdout.fileno(), 4096)
        if not chunk:
            break
        seen += chunk
    assert b"sentence/s" in seen and proc.poll() is None, seen.decode(errors="replace")
    os.killpg(proc.pid, signal.SIGKILL)  # the build, its local Ray and its actors, mid-way
    proc.wait(30)
    after = load_index(folder)
    assert after.manifest == before and list(after.documents) == [stdlib_docs[0].doc_id]


def test_the_default_article_index_is_flat_and_imports_no_ray(article_index):
    code = (
        "import sys; from qa.api import answer, pipeline_for; "
        f"a = answer('Who refused to meet whom?', index={str(article_index)!r}); "
        f"ix = pipeline_for({str(article_index)!r}).index; "
        "print(a.found, ix.manifest.dense.kind, ix.sentence_vectors.dtype, 'ray' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["True", "flat", "float32", "False"]


def test_ray_workers_without_ray_is_refused(tmp_path):
    command = [sys.executable, "-m", "ui", "index", "build", str(ROOT / "README.md"), "--index", str(tmp_path / "i"), "--ray-workers", "2"]
    out = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2 and "--ray-workers needs --ray" in out.stderr and not (tmp_path / "i").exists()
