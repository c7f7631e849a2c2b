"""Turn answers and documents into safe HTML for the web page. Every piece of question or document
text is escaped, and every chat message is one HTML block: Gradio's chat renders Markdown, and
Markdown does not reach inside an HTML block, so `![x](http://host/t.png)` in a document is shown as
those characters, never fetched, and `<img onerror=...>` in a question is shown, never run."""

from __future__ import annotations

from dataclasses import replace
from html import escape

from index.formats import page_word
from qa.types import Answer, Evidence

NO_ANSWER = "The document does not say."


def text_html(text: str) -> str:
    """Text as HTML that shows exactly those characters, line breaks as spaces (a blank line would end
    the message's HTML block)."""
    return escape(text.replace("\r", " ").replace("\n", " "))


def message_html(inner: str, css: str = "msg") -> str:
    """A chat message as one HTML block (no blank line inside, so Markdown leaves it alone)."""
    return f'<div class="{css}">{inner}</div>'


def question_html(question: str) -> str:
    return message_html(text_html(question), "msg question")


def sentence_html(sentence: str, sentence_start: int, spans: list[tuple[int, int]]) -> str:
    """A sentence (starting at `sentence_start` in its document), escaped, with each answer span marked."""
    out, at = [], 0
    for start, end in sorted((a - sentence_start, b - sentence_start) for a, b in spans):
        out.append(f'{text_html(sentence[at:start])}<mark class="answer">{text_html(sentence[start:end])}</mark>')
        at = end
    return "".join(out) + text_html(sentence[at:])


def answer_html(result: Answer, threshold: float | None = None) -> str:
    """The chat reply: the short answer, what its confidence means, and each evidence sentence once,
    with every answer it holds marked. An answer below `threshold` is shown as a guess; across shards,
    those that did not answer are said, since their documents were not searched."""
    why = text_html("; ".join(result.missing))
    missing = f'<br><small class="missing">Not searched, not answering: {why}.</small>' if result.missing else ""
    if not result.found:
        reply = f"<b>{NO_ANSWER}</b>"
        if result.closest:
            reply += f"<br>The closest passage I found:<blockquote>{text_html(result.closest.sentence)}</blockquote>"
        return message_html(reply + missing)
    name = f" ({text_html(result.name)})" if result.name else ""
    unsure = threshold is not None and result.score < threshold
    head = f"<b>{text_html(result.text)}</b>{name}" + (" <i>(a guess: the reader is not sure)</i>" if unsure else "")
    confidence = f'<small title="the calibrated chance that this answer is right">confidence {result.score:.0%}</small>'
    sentences: dict[tuple[str, int], tuple[Evidence, list[tuple[int, int]]]] = {}
    for ev in result.evidence:
        sentences.setdefault((ev.doc_id, ev.sentence_start), (ev, []))[1].append((ev.start, ev.end))
    quotes = [f"<blockquote>{sentence_html(ev.sentence, ev.sentence_start, spans)}</blockquote>" for ev, spans in sentences.values()]
    return message_html("<br>".join([head, confidence]) + "".join(quotes) + missing)


def sources_html(result: Answer) -> str:
    """The collapsible "Sources" part: which passage, where in the document, and the runners-up."""
    evidence = result.evidence or ([result.closest] if result.closest else [])
    shard = f" on {text_html(result.shard)}" if result.shard else ""
    items = [
        f"{text_html(ev.doc_id)}{'' if ev.page is None else f', {page_word(ev.doc_id)} {ev.page}'}{shard}, passage {ev.passage_id}, "
        f"characters {ev.start}-{ev.end} (sentence at {ev.sentence_start}-{ev.sentence_end})"
        for ev in evidence
    ]
    if result.alternatives:
        items.append("other candidates: " + "; ".join(f"{text_html(a.text)} ({a.score:.0%})" for a in result.alternatives))
    if result.resolved_question and result.resolved_question != result.question:
        items.append(f"read as: {text_html(result.resolved_question)}")
    return message_html("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>" if items else "no passage found")


def document_html(doc_id: str, text: str, evidence: list[Evidence], answered: bool = True) -> str:
    """The whole document, escaped, paragraphs kept, with the evidence sentences and answers marked in
    place; for a refusal (`answered` False) only the closest sentence is marked, as such."""
    level = [0] * len(text)  # 0 plain, 1 evidence sentence (or the closest one), 2 answer; answers win where they overlap
    for ev in (e for e in evidence if e.doc_id == doc_id):
        for i in range(ev.sentence_start, ev.sentence_end):
            level[i] = max(level[i], 1)
        for i in range(ev.start, ev.end) if answered else ():
            level[i] = 2
    classes = ("", "evidence" if answered else "closest", "answer")
    out, start = [], 0
    for end in range(1, len(text) + 1):
        if end == len(text) or level[end] != level[start]:
            piece = escape(text[start:end])
            css = classes[level[start]]
            out.append(f'<mark class="{css}">{piece}</mark>' if css else piece)
            start = end
    body = "".join(out).replace("\n\n", "</p><p>")
    return f'<div class="doc" id="doc-view"><h4>{escape(doc_id)}</h4><p>{body}</p></div>'


def sentence_view_html(result: Answer | None, shards: int) -> str:
    """The Document tab across shards, where the documents stay on their machines: the sentence that
    answers, marked as document_html marks it, under its document's name and its shard."""
    evidence = (result.evidence or ([result.closest] if result.closest else [])) if result else []
    if not evidence:
        note = f"The documents are on {shards} shards; ask a question to see the sentence that answers it."
        return f'<div class="doc" id="doc-view"><p>{escape(note)}</p></div>'
    first = evidence[0]
    label = f"{first.doc_id} ({result.shard})" if result.shard else first.doc_id
    at = first.sentence_start
    shown = [
        replace(e, doc_id=label, sentence_start=0, sentence_end=len(first.sentence), start=e.start - at, end=e.end - at)
        for e in evidence
        if e.doc_id == first.doc_id and e.sentence_start == at
    ]
    return document_html(label, first.sentence, shown, answered=result.found)
