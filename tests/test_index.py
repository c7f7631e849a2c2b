import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index import (
    CorruptIndexError,
    Document,
    DocumentError,
    IndexNotFoundError,
    ModelMismatchError,
    add_documents,
    build_index,
    load_index,
    read_document,
)
from index.build import DEFAULT_DOCUMENT, ensure_default_index, index_documents, upgrade_index
from index.passages import MIN_CHARS
from index.store import CURRENT, live_generation, save_index
from tests.conftest import STORY

SECOND = "Penguins live in the southern hemisphere. Emperor penguins breed during the Antarctic winter."


def test_round_trip_keeps_passages_vectors_and_search(story_index):
    index = load_index(story_index)
    assert index.manifest.embedding_model == "sentence-transformers/all-MiniLM-L6-v2"
    assert index.manifest.dimension == 384
    assert [d.doc_id for d in index.manifest.documents] == ["text-1"]
    doc = index.documents["text-1"].text
    assert doc == STORY
    assert all(doc[p.start : p.end] == p.text for p in index.passages)
    assert index.dense.ntotal == len(index.passages) == index.manifest.passages == 2  # paragraphs joined up to MIN_CHARS, then the last
    assert index.manifest.min_passage_chars == MIN_CHARS
    from index import shared_embeddings

    best, _ = index.dense_search(shared_embeddings().encode_query("How much did the steam tug cost?"), 3)[0]
    assert "Little Wren" in index.passages[best].text
    best, _ = index.bm25.search("steam tug Little Wren", 3)[0]
    assert "Little Wren" in index.passages[best].text


def test_documents_and_queries_embed_like_sentence_transformers():
    """Both run on an ONNX export of the model, documents in batches of like length; the vectors must be
    sentence-transformers' own."""
    import numpy as np
    from sentence_transformers import SentenceTransformer

    from index import shared_embeddings
    from index.embeddings import _model_path

    texts = ["Who refused to meet whom?", "x", "caf\u00e9 cr\u00e8me, d\u00e9j\u00e0 vu", " ".join(["tide"] * 400), STORY]
    reference = SentenceTransformer(str(_model_path()), device="cpu", local_files_only=True).encode(texts, normalize_embeddings=True)
    documents = shared_embeddings().encode(texts)
    queries = np.stack([shared_embeddings().encode_query(t) for t in texts])
    assert documents.shape == queries.shape == (5, 384) and documents.dtype == queries.dtype == np.float32
    assert np.abs(documents - reference).max() < 1e-5 and np.abs(queries - reference).max() < 1e-5


def test_each_row_is_its_own_texts_vector_whichever_stream_embedded_it():
    """An int8 build embeds several batches at once; with small batches on three streams, every row must
    still be the vector of the text at its place, as one batch at a time makes it."""
    import numpy as np

    from index.embeddings import MiniLMEmbeddings

    words = STORY.split()
    texts = [" ".join(words[i : i + 1 + i % 23]) for i in range(0, 240, 3)]
    streamed = MiniLMEmbeddings(batch_tokens=48, threads=3).encode(texts, int8=True)
    one_at_a_time = MiniLMEmbeddings(batch_tokens=48, threads=1).encode(texts, int8=True)
    assert len({len(t.split()) for t in texts}) > 20 and np.allclose(np.linalg.norm(streamed, axis=1), 1, atol=1e-3)
    assert np.abs(streamed - one_at_a_time).max() < 1e-6


def test_a_build_cancelled_while_several_streams_embed_stops_them_all():
    import threading

    from index.embeddings import MiniLMEmbeddings
    from index.errors import BuildCancelledError

    model = MiniLMEmbeddings(batch_tokens=32, threads=2)
    model.encode(["warm up"], int8=True)
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    with pytest.raises(BuildCancelledError, match="cancelled"):
        model.encode([f"{STORY} {i}" for i in range(400)], cancel=cancel, int8=True)


def test_a_cancelled_build_writes_nothing(tmp_path):
    import threading

    from index.errors import BuildCancelledError

    build_index([STORY], tmp_path)
    old = live_generation(tmp_path)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(BuildCancelledError, match="cancelled"):
        build_index([STORY, SECOND], tmp_path, cancel=cancel)
    _assert_old_index_intact(tmp_path, old)


def test_rebuild_with_same_text_is_a_noop(tmp_path):
    first = build_index([STORY], tmp_path)
    generation = live_generation(tmp_path)
    again = build_index([STORY], tmp_path)
    assert first.changed and not again.changed
    assert live_generation(tmp_path) == generation


def test_rebuild_with_new_text_replaces_documents(tmp_path):
    build_index([STORY], tmp_path)
    report = build_index([Document("penguins.txt", SECOND)], tmp_path)
    assert report.changed
    assert list(load_index(tmp_path).documents) == ["penguins.txt"]


def test_add_document_keeps_the_others(tmp_path):
    build_index([DEFAULT_DOCUMENT], tmp_path)
    before = load_index(tmp_path)
    add_documents([Document("penguins.txt", SECOND)], tmp_path)
    after = load_index(tmp_path)
    assert list(after.documents) == ["article.txt", "penguins.txt"]
    assert len(after.passages) == len(before.passages) + 1
    kept = len(before.sentence_vectors)
    assert (after.sentence_vectors[:kept] == before.sentence_vectors).all()  # reused, not re-embedded
    assert len(after.sentence_vectors) == kept + 2  # the two sentences of SECOND
    assert not add_documents([Document("penguins.txt", SECOND)], tmp_path).changed


def _build_in_subprocess(index_dir: Path, source: Path, prelude: str = "") -> subprocess.Popen:
    code = f"{prelude}\nfrom pathlib import Path\nfrom index import build_index\nbuild_index([Path({str(source)!r})], {str(index_dir)!r})"
    return subprocess.Popen([sys.executable, "-c", code], cwd=Path(__file__).parents[1])


def _assert_old_index_intact(index_dir: Path, generation: Path) -> None:
    assert live_generation(index_dir) == generation
    assert load_index(index_dir).documents["text-1"].text == STORY
    build_index([STORY, SECOND], index_dir)  # and the next build cleans up and succeeds
    assert len(load_index(index_dir).documents) == 2
    assert not list(index_dir.glob(".building-*"))


def test_build_killed_while_embedding_leaves_the_old_index(tmp_path):
    build_index([STORY], tmp_path)
    old = live_generation(tmp_path)
    big = tmp_path / "big.txt"
    big.write_text(("A long paragraph about harbours and ships and the sea. " * 15 + "\n\n") * 400, encoding="utf-8")
    proc = _build_in_subprocess(tmp_path, big)
    time.sleep(4)  # model loaded, embedding hundreds of passages
    assert proc.poll() is None, "the build finished before it could be interrupted"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    _assert_old_index_intact(tmp_path, old)


def test_build_dying_while_writing_leaves_the_old_index(tmp_path):
    build_index([STORY], tmp_path)
    old = live_generation(tmp_path)
    new = tmp_path / "new.txt"
    new.write_text(SECOND, encoding="utf-8")
    # The process dies (no clean-up, like a power cut) after the vectors are written, mid-way
    # through writing the rest of the new generation.
    prelude = "import os, index.store as s\ns.BM25Index.save = lambda self, folder: os._exit(9)"
    proc = _build_in_subprocess(tmp_path, new, prelude)
    assert proc.wait() == 9
    assert list(tmp_path.glob(".building-*")), "the crash should have left a half-written build behind"
    _assert_old_index_intact(tmp_path, old)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \n\t\n", "no text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("caf\u00e9 cr\u00e8me".encode("latin-1"), "not UTF-8"),
        (b"... --- !!!", "no text"),
    ],
)
def test_bad_documents_are_refused_by_name(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(DocumentError, match=message) as err:
        build_index([path], tmp_path / "index")
    assert "bad.txt" in str(err.value)
    assert not (tmp_path / "index" / CURRENT).exists()


def test_bad_document_does_not_touch_existing_index(tmp_path):
    build_index([STORY], tmp_path)
    generation = live_generation(tmp_path)
    with pytest.raises(DocumentError):
        build_index([""], tmp_path)
    assert live_generation(tmp_path) == generation


def test_missing_file_and_folder_are_named(tmp_path):
    with pytest.raises(DocumentError, match="no such file"):
        read_document(tmp_path / "nope.txt")
    with pytest.raises(DocumentError, match="is a folder"):
        read_document(tmp_path)


def test_missing_index_says_how_to_build(tmp_path):
    with pytest.raises(IndexNotFoundError, match="docqa index build"):
        load_index(tmp_path / "nothing-here")


@pytest.mark.parametrize(
    "victim", ["dense.faiss", "passages.json", "documents.json", "sentences.npy", "sentence_rows.json", "bm25/params.index.json"]
)
def test_corrupt_index_file_is_detected(tmp_path, victim):
    build_index([STORY], tmp_path)
    target = live_generation(tmp_path) / victim
    target.write_bytes(target.read_bytes()[: len(target.read_bytes()) // 2])
    with pytest.raises(CorruptIndexError, match=r"do not match their manifest checksums.*rebuild"):
        load_index(tmp_path)


def test_garbage_manifest_and_dangling_pointer(tmp_path):
    build_index([STORY], tmp_path)
    (live_generation(tmp_path) / "manifest.json").write_text("{not json")
    with pytest.raises(CorruptIndexError, match="manifest"):
        load_index(tmp_path)
    (tmp_path / CURRENT).write_text("gen-that-does-not-exist\n")
    with pytest.raises(CorruptIndexError, match="missing generation"):
        load_index(tmp_path)


def test_index_of_an_older_format_is_refused_and_the_default_one_rebuilt_from_its_documents(tmp_path):
    build_index([Document("harbour.txt", STORY)], tmp_path)
    manifest_path = live_generation(tmp_path) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format_version"] = 1
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(CorruptIndexError, match=r"has format 1.*docqa index upgrade"):
        load_index(tmp_path)
    ensure_default_index(tmp_path)  # the user's own documents, not the bundled article
    index = load_index(tmp_path)
    assert [(d.doc_id, d.text) for d in index.documents.values()] == [("harbour.txt", STORY)]


def test_an_index_split_a_paragraph_a_passage_reads_on_and_is_rebuilt_by_upgrade(tmp_path):
    """An index from before short paragraphs were joined (no min_passage_chars in its manifest) still
    loads and answers; `docqa index upgrade` and the default index's start-up rebuild it as docqa splits now."""
    save_index(index_documents([Document("harbour.txt", STORY)], min_passage_chars=0), tmp_path)
    manifest_path = live_generation(tmp_path) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["min_passage_chars"]
    manifest_path.write_text(json.dumps(manifest))
    old = load_index(tmp_path)
    assert (old.manifest.min_passage_chars, len(old.passages)) == (0, 5)
    cli = [sys.executable, "-m", "ui", "index", "info", "--index", str(tmp_path)]
    info = subprocess.run(cli, capture_output=True, text=True, timeout=300, cwd=Path(__file__).resolve().parents[1])
    assert f"`docqa index upgrade --index {tmp_path}`" in info.stdout
    assert upgrade_index(tmp_path).changed
    assert (load_index(tmp_path).manifest.min_passage_chars, len(load_index(tmp_path).passages)) == (MIN_CHARS, 2)
    assert not upgrade_index(tmp_path).changed  # current now: a no-op
    save_index(index_documents([Document("harbour.txt", STORY)], min_passage_chars=0), tmp_path)
    ensure_default_index(tmp_path)
    assert len(load_index(tmp_path).passages) == 2


def test_a_passage_scores_its_best_sentence(story_index):
    import numpy as np

    from index import shared_embeddings
    from index.sentences import sentence_spans

    index = load_index(story_index)
    emb = shared_embeddings()
    query = emb.encode_query("Where did Holt fly to?")
    text = index.documents["text-1"].text
    (best, score), *_ = index.best_sentence_scores(query, range(len(index.passages)))
    assert "Oslo" in index.passages[best].text
    p = index.passages[best]
    sentences = [text[a:b] for a, b in sentence_spans(text, p.start, p.end)]
    assert len(sentences) == len(index.sentences_of(best)) > 1
    assert score == pytest.approx(float((emb.encode(sentences) @ query).max()), abs=1e-5)
    # the passage vector in FAISS is the normalised mean of its sentence vectors
    mean = index.sentences_of(best).mean(axis=0)
    assert np.allclose(index.dense.reconstruct(best), mean / np.linalg.norm(mean), atol=1e-6)


def test_index_of_another_embedding_model_is_refused(tmp_path):
    build_index([STORY], tmp_path)
    manifest_path = live_generation(tmp_path) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["embedding_model"] = "BAAI/bge-small-en-v1.5"
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(ModelMismatchError, match="bge-small"):
        load_index(tmp_path)


def test_no_pickle_in_an_index(tmp_path):
    build_index([STORY], tmp_path)
    for f in live_generation(tmp_path).rglob("*"):
        if f.is_file():
            assert not f.read_bytes().startswith(b"\x80"), f"{f.name} looks like a pickle"
            assert f.suffix in {".json", ".faiss", ".npy", ".jsonl"}, f.name


def test_passage_at_finds_the_passage_holding_an_offset(story_index):
    index = load_index(story_index)
    for i, p in enumerate(index.passages):
        assert index.passage_at(p.doc_id, p.start) == i
        assert index.passage_at(p.doc_id, p.end - 1) == i
    assert index.neighbours(0) == [0, 1] == index.neighbours(1)
