"""`answer()`: the one entry point from Python. Loads models and index once, answers thread-safely."""

from __future__ import annotations

import threading
from pathlib import Path

from index.build import ensure_default_index
from index.embeddings import shared_embeddings
from index.store import live_generation, load_index
from qa.followup import resolve
from qa.names import name_behind
from qa.pipeline import DEFAULT_TOP_K, Found, Pipeline, contexts_for
from qa.reader import Span, shared_reader
from qa.relations import Relation, parse_relation
from qa.squad import normalize_answer
from qa.types import Answer, Evidence

MAX_QUESTION_CHARS = 1000

_pipelines: dict[Path, tuple[Path, Pipeline]] = {}
_lock = threading.Lock()


def check_question(question: object) -> str:
    """The question stripped, or TypeError / ValueError saying what is wrong with it."""
    if not isinstance(question, str):
        raise TypeError(f"question must be a string, not {type(question).__name__}")
    text = question.strip()
    if not text:
        raise ValueError("the question is empty: ask something about the document")
    if len(text) > MAX_QUESTION_CHARS:
        raise ValueError(f"the question is {len(text):,} characters long; the limit is {MAX_QUESTION_CHARS:,}")
    return text


def pipeline_for(index: str | Path | None = None) -> Pipeline:
    """The pipeline over the live generation of an index folder (default: the bundled article's).

    Loaded once and reused; when a rebuild swaps in a new generation, the next call loads it whole,
    while calls already running finish on the old one.
    """
    index_dir = Path(index).resolve() if index is not None else ensure_default_index().resolve()
    generation = live_generation(index_dir)
    cached = _pipelines.get(index_dir)
    if cached and cached[0] == generation:
        return cached[1]
    with _lock:
        cached = _pipelines.get(index_dir)
        if cached and cached[0] == generation:
            return cached[1]
        pipeline = Pipeline(load_index(index_dir), shared_reader(), shared_embeddings())
        _pipelines[index_dir] = (generation, pipeline)
        return pipeline


def answer(
    question: str,
    *,
    index: str | Path | None = None,
    history: list[tuple[str, str]] | None = None,
    top_k: int = DEFAULT_TOP_K,
) -> Answer:
    """Answer a question about the documents of an index.

    `history` is the conversation so far as (question, answer_text) pairs, oldest first; pronouns in
    a follow-up refer to its latest answer. Two-slot questions ("Who met whom?") get both sides.
    """
    question = check_question(question)
    if not isinstance(top_k, int) or top_k < 1:
        raise ValueError("top_k must be a positive integer")
    resolved = resolve(question, history)
    pipeline = pipeline_for(index)
    relation = parse_relation(resolved)
    if relation is not None:
        result = _relation_answer(pipeline, question, resolved, relation, top_k)
        if result is not None:
            return result
    return _single_answer(pipeline, question, resolved, top_k)


def _name(pipeline: Pipeline, evidence: Evidence, text: str) -> str:
    return name_behind(pipeline.index.documents[evidence.doc_id].text, text)


def _single_answer(pipeline: Pipeline, question: str, resolved: str, top_k: int) -> Answer:
    found = pipeline.run(resolved, top_k)
    reading = found.reading
    if reading.best is None:
        closest = pipeline.evidence(found, reading.spans[0]) if reading.spans else None
        return Answer(question, "", 1.0 - reading.p_answer, resolved_question=resolved, closest=closest)
    best = reading.best
    evidence = pipeline.evidence(found, best)
    return Answer(
        question,
        best.text,
        best.score,
        [evidence],
        pipeline.alternatives(found),
        resolved_question=resolved,
        name=_name(pipeline, evidence, best.text),
    )


def _same_entity(a: str, b: str) -> bool:
    """True when two answers name the same thing ("Lavrov" and "Sergei Lavrov")."""
    ta, tb = set(normalize_answer(a).split()), set(normalize_answer(b).split())
    return bool(ta and tb) and (ta <= tb or tb <= ta)


def _relation_answer(pipeline: Pipeline, question: str, resolved: str, relation: Relation, top_k: int) -> Answer | None:
    """Subject first, then the object with the subject filled in; None when either side is missing."""
    first = pipeline.run(relation.subject_question, top_k)
    if not first.reading.spans or first.reading.p_answer < pipeline.reader.calibration.threshold / 2:
        return None
    subject_span = first.reading.spans[0]
    subject_ev = pipeline.evidence(first, subject_span, role="subject")
    subject = _name(pipeline, subject_ev, subject_span.text) or subject_span.text
    object_question = relation.object_question(subject)
    hits = [d.metadata["index"] for d in pipeline.retriever.model_copy(update={"k": top_k}).invoke(object_question)]
    here = next(i for i, p in enumerate(pipeline.index.passages) if p.doc_id == subject_ev.doc_id and p.passage_id == subject_ev.passage_id)
    second = pipeline.read(object_question, contexts_for(pipeline.index, [here, *hits]))
    object_span: Span | None = next(
        (s for s in second.reading.spans if not _same_entity(s.text, subject) and not _same_entity(s.text, subject_span.text)), None
    )
    if object_span is None or second.reading.p_answer < pipeline.reader.calibration.threshold / 2:
        return None
    object_ev = pipeline.evidence(second, object_span, role="object")
    obj = _name(pipeline, object_ev, object_span.text) or object_span.text
    score = min(subject_span.score, object_span.score / max(second.reading.spans[0].score, 1e-9) * second.reading.p_answer)
    return Answer(
        question,
        f"{subject} -> {obj}",
        score,
        [subject_ev, object_ev],
        pipeline.alternatives(first, limit=2),
        parts=[subject, obj],
        resolved_question=resolved,
    )


def forget(index: str | Path) -> None:
    """Drop a loaded index from memory (models stay loaded), e.g. once its folder is deleted."""
    with _lock:
        _pipelines.pop(Path(index).resolve(), None)


__all__ = ["Answer", "answer", "check_question", "forget", "pipeline_for"]
