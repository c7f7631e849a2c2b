"""Turn answers and documents into safe HTML/Markdown for the web page: every piece of document or
question text is escaped, so markup in them is shown, never run."""

from __future__ import annotations

from html import escape

from qa.types import Answer, Evidence

NO_ANSWER = "The document does not say."


def highlight(text: str, start: int, end: int, css: str = "answer") -> str:
    """Escaped text with text[start:end] wrapped in <mark>."""
    return f'{escape(text[:start])}<mark class="{css}">{escape(text[start:end])}</mark>{escape(text[end:])}'


def evidence_html(ev: Evidence) -> str:
    """The evidence sentence, escaped, with the answer marked."""
    return highlight(ev.sentence, ev.start - ev.sentence_start, ev.end - ev.sentence_start)


def answer_markdown(result: Answer) -> str:
    """The chat reply: the short answer, its confidence, and each evidence sentence with the answer marked."""
    if not result.found:
        reply = f"**{NO_ANSWER}**"
        if result.closest:
            reply += f"<br>The closest passage I found:<br><blockquote>{escape(result.closest.sentence)}</blockquote>"
        return reply
    name = f" ({escape(result.name)})" if result.name else ""
    lines = [f"**{escape(result.text)}**{name}", f"<small>confidence {result.score:.0%}</small>"]
    for ev in result.evidence:
        label = {"subject": "who: ", "object": "whom: "}.get(ev.role, "")
        lines.append(f"<blockquote>{label}{evidence_html(ev)}</blockquote>")
    return "<br>".join(lines)


def sources_markdown(result: Answer) -> str:
    """The collapsible "Sources" part: which passage, where in the document, and the runners-up."""
    evidence = result.evidence or ([result.closest] if result.closest else [])
    lines = [
        f"- {escape(ev.doc_id)}{'' if ev.page is None else f', page {ev.page}'}, passage {ev.passage_id}, characters {ev.start}-{ev.end} "
        f"(sentence at {ev.sentence_start}-{ev.sentence_end})"
        for ev in evidence
    ]
    if result.alternatives:
        lines.append("- other candidates: " + "; ".join(f"{escape(a.text)} ({a.score:.0%})" for a in result.alternatives))
    if result.resolved_question and result.resolved_question != result.question:
        lines.append(f"- read as: {escape(result.resolved_question)}")
    return "\n".join(lines) or "no passage found"


def document_html(doc_id: str, text: str, evidence: list[Evidence]) -> str:
    """The whole document, escaped, paragraphs kept, evidence sentences and answers marked in place."""
    level = [0] * len(text)  # 0 plain, 1 evidence sentence, 2 answer; answers win where they overlap
    for ev in (e for e in evidence if e.doc_id == doc_id):
        for i in range(ev.sentence_start, ev.sentence_end):
            level[i] = max(level[i], 1)
        for i in range(ev.start, ev.end):
            level[i] = 2
    out, start = [], 0
    for end in range(1, len(text) + 1):
        if end == len(text) or level[end] != level[start]:
            piece = escape(text[start:end])
            css = ("", "evidence", "answer")[level[start]]
            out.append(f'<mark class="{css}">{piece}</mark>' if css else piece)
            start = end
    body = "".join(out).replace("\n\n", "</p><p>")
    return f'<div class="doc" id="doc-view"><h4>{escape(doc_id)}</h4><p>{body}</p></div>'
