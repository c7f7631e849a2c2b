"""Role questions ("Who is Russia's foreign minister?"): read the passage where the document names
the holder of that role.

A news story introduces people by role ("Russian Foreign Minister Sergei Lavrov", "Ukrainian Foreign
Minister Andriy Deshchitsya") and then calls them by the role alone. Asked for one country's
minister, the reader, given passages about both, often takes the other's: it does not weigh the
qualifier. The document's own "<Qualifier> <Role> <Name>" says which is meant, so when the reader's
answer is someone else, the passage with that mention is read instead, and its answer kept if the
reader agrees there.
"""

from __future__ import annotations

import re

from qa.names import name_behind, qualifies, role_mentions, same_entity
from qa.pipeline import Found, Pipeline, contexts_for

_WORD = r"[A-Za-z][\w-]*"
# "Who is Russia's foreign minister?", "Who was the Russian foreign minister?": a possessive, or "the"
# before the qualifier, tells a role from a name ("Who is Mr Yanukovych?").
_ROLE_QUESTION = re.compile(
    rf"^\s*(?i:who)\s+(?i:is|was)\s+(?:(?P<owner>[A-Z][\w-]*)['\u2019]s|(?i:the)\s+(?P<adjective>[A-Z][\w-]*))"
    rf"\s+(?P<role>{_WORD}(?:\s+{_WORD}){{0,3}})\s*\??\s*$"
)


def role_asked(question: str) -> tuple[str, str] | None:
    """(qualifier, role) of a role question, ("Russia", "foreign minister") or ("Russian", "foreign
    minister"), else None."""
    m = _ROLE_QUESTION.match(question)
    if not m:
        return None
    return m.group("owner") or m.group("adjective"), m.group("role")


def role_reading(pipeline: Pipeline, found: Found, question: str) -> Found | None:
    """For a role question whose answer is not the person a document read names in that role, the
    reading of the passage that names them, when the reader's answer there is that person; else None."""
    asked = role_asked(question)
    if asked is None:
        return None
    qualifier, role = asked
    for doc_id in dict.fromkeys(c.doc_id for c in found.contexts):
        document = pipeline.index.documents[doc_id].text
        mention = next((m for m in role_mentions(document, role) if qualifies(qualifier, m.before)), None)
        if mention is None:
            continue
        best = found.reading.best
        if best is not None and any(same_entity(t, mention.name) for t in (best.text, name_behind(document, best.text)) if t):
            return None
        passage = pipeline.index.passage_at(doc_id, mention.start)
        reread = pipeline.read(question, contexts_for(pipeline.index, [passage], pipeline.neighbour_below))
        agreed = reread.reading.best
        return reread if agreed is not None and same_entity(agreed.text, mention.name) else None
    return None
