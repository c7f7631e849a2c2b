"""`answer()`: the one entry point from Python. Loads models and index once, answers thread-safely."""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from pathlib import Path

from index.build import ensure_default_index
from index.embeddings import shared_embeddings
from index.store import live_generation, load_index
from qa.followup import resolve
from qa.names import counterpart_name, name_behind, possessor_start, same_entity
from qa.pipeline import DEFAULT_TOP_K, Context, Found, Pipeline
from qa.reader import shared_reader
from qa.relations import Relation, parse_relation
from qa.roles import role_reading
from qa.types import Answer, Evidence, Slice

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
        embeddings = shared_embeddings()
        embeddings.load_query_encoder()  # both models load here, the reader too, not on the first question
        pipeline = Pipeline(load_index(index_dir), shared_reader(), embeddings)
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


def _read(found: Found) -> list[Slice]:
    return [Slice(c.doc_id, c.start, c.end) for c in found.contexts]


def _phrase(pipeline: Pipeline, evidence: Evidence) -> str:
    """The evidence's span with the possessor before it ("Russia's foreign minister")."""
    document = pipeline.index.documents[evidence.doc_id].text
    return document[possessor_start(document, evidence.start) : evidence.end]


def _name(pipeline: Pipeline, evidence: Evidence, text: str) -> str:
    """The name behind an answer, looked up with its possessor first, which says whose role it is."""
    document = pipeline.index.documents[evidence.doc_id].text
    phrase = _phrase(pipeline, evidence)
    return (phrase != text and name_behind(document, phrase)) or name_behind(document, text)


def _single_answer(pipeline: Pipeline, question: str, resolved: str, top_k: int) -> Answer:
    found = pipeline.run(resolved, top_k)
    found = role_reading(pipeline, found, resolved) or found
    reading = found.reading
    if reading.best is None:
        closest = pipeline.evidence(found, reading.spans[0]) if reading.spans else None
        return Answer(question, "", 1.0 - reading.p_answer, resolved_question=resolved, closest=closest, read=_read(found))
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
        read=_read(found),
    )


def _verb_sentence(pipeline: Pipeline, found: Found, relation: Relation) -> tuple[Evidence, re.Match] | None:
    """The first sentence of the passages read, best ranked first, that holds the relation's verb (as
    evidence of an empty span at the verb), and the verb; None when none does."""
    for ctx in sorted(found.contexts, key=lambda c: c.rank):
        if verb := relation.anchor.search(pipeline.index.documents[ctx.doc_id].text, ctx.start, ctx.end):
            return pipeline.locate(ctx.doc_id, verb.start(), verb.start()), verb
    return None


def _relation_answer(pipeline: Pipeline, question: str, resolved: str, relation: Relation, top_k: int) -> Answer | None:
    """Both sides of a two-slot question, anchored on the verb in the evidence sentence.

    The evidence sentence is that of the best span followed by the verb ("refused"), or else the first
    sentence read that holds the verb. The reader then
    reads that sentence alone, and the subject is its best span ending before the verb (a span of
    the first reading can run back over a clause, "Moscow and Washington are at odds and Russia's
    foreign minister"). The object is the best span after the verb in the same sentence, from the
    first reading or, failing that, by asking "<subject> refused to meet whom?" of the sentence, with
    the subject as the sentence words it (a name it does not hold, or the clause alone, leaves the
    reader little to go on). None when the first reading finds no answer or either side is missing.
    The score is the lower of the two sides' probabilities: the reading's, or for an object that is
    not the second reading's best span, that span's share of it.
    """
    found = pipeline.run(resolved, top_k)
    if not found.reading.answerable:
        return None
    located = [(s, pipeline.evidence(found, s)) for s in found.reading.spans]
    anchored = (
        (span, ev, verb)
        for span, ev in located
        if (verb := relation.anchor.search(pipeline.index.documents[ev.doc_id].text, ev.end, ev.sentence_end))
    )
    span, ev, verb = next(anchored, (None, None, None))
    if verb is None:  # no span of the reading stands before the verb: the first sentence read that holds it
        ev, verb = _verb_sentence(pipeline, found, relation) or (None, None)
        if verb is None:
            return None
    document = pipeline.index.documents[ev.doc_id].text  # both sides are in this sentence
    verb_end = verb.end()
    sentence = Context(ev.doc_id, ev.sentence_start, ev.sentence_end, document[ev.sentence_start : ev.sentence_end])
    reread = pipeline.read(resolved, [sentence])
    subjects = [(s, e) for s in reread.reading.spans if (e := pipeline.evidence(reread, s)).end <= verb.start()]
    if not subjects and span is None:
        return None
    subject_span, subject_ev = subjects[0] if subjects else (span, ev)
    subject_p = reread.reading.p_answer if subjects else found.reading.p_answer
    subject_ev = replace(subject_ev, role="subject")
    subject_text = _name(pipeline, subject_ev, subject_span.text) or subject_span.text

    def after_verb(pairs):
        return [
            (s, e)
            for s, e in pairs
            if e.doc_id == subject_ev.doc_id
            and e.sentence_start == subject_ev.sentence_start
            and e.start >= verb_end
            and not same_entity(s.text, subject_text)
            and not same_entity(s.text, subject_span.text)
        ]

    objects = after_verb(located)
    object_p = found.reading.p_answer
    if not objects:  # ask for the object alone, of the whole sentence, naming the subject as it is written there
        second = pipeline.read(relation.object_question(_phrase(pipeline, subject_ev)), [sentence])
        objects = after_verb([(s, pipeline.evidence(second, s)) for s in second.reading.spans])
        object_p = objects[0][0].score if objects else 0.0
    if not objects:
        return None
    object_span, object_ev = objects[0]
    object_ev = replace(object_ev, role="object")
    object_text = (
        _name(pipeline, object_ev, object_span.text)
        or counterpart_name(document, object_span.text, object_ev.end, subject_span.text)
        or object_span.text
    )
    return Answer(
        question,
        f"{subject_text} -> {object_text}",
        min(subject_p, object_p),
        [subject_ev, object_ev],
        pipeline.alternatives(found, limit=2, answers=[subject_text, object_text, subject_span.text, object_span.text]),
        parts=[subject_text, object_text],
        resolved_question=resolved,
        read=_read(found),
    )


def forget(index: str | Path) -> None:
    """Drop a loaded index from memory (models stay loaded), e.g. once its folder is deleted."""
    with _lock:
        _pipelines.pop(Path(index).resolve(), None)


__all__ = ["Answer", "answer", "check_question", "forget", "pipeline_for"]
