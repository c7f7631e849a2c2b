"""Two-slot relation questions ("Who refused to meet whom?"): recognise them and find their verb.

An extractive reader returns one span, so qa.answer reads the question once and anchors on the verb
in the evidence sentence: the subject is a span before the verb, the object a span after it; when
the first reading has no object, it asks "<subject> refused to meet whom?" of that sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_RELATION = re.compile(
    r"^\s*(?P<wh>who|what|which \w+)\s+(?P<verb>.+?)\s+(?P<obj>whom|who|what|which \w+)\s*\??\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Relation:
    """A two-slot question: the verb phrase between its two wh-words."""

    question: str
    verb: str  # "refused to meet", "spoke by phone with"
    wh: str
    obj: str

    @property
    def anchor(self) -> re.Pattern:
        """The verb of the question as it may be inflected in the text ("refused" -> refus\\w*)."""
        word = self.verb.split()[0].lower()
        return re.compile(rf"\b{re.escape(word[: max(4, len(word) - 2)])}\w*", re.IGNORECASE)

    def object_question(self, subject: str) -> str:
        return f"{subject} {self.verb} {self.obj.lower()}?"


def parse_relation(question: str) -> Relation | None:
    """A Relation when the question asks for two slots (a wh-word at both ends), else None.

    The second wh-word must be lower case: "Who is the producer of Doctor Who?" ends in a name.
    """
    m = _RELATION.match(question)
    if not m or len(m.group("verb").split()) > 8 or not m.group("obj")[0].islower():
        return None
    return Relation(question, m.group("verb"), m.group("wh"), m.group("obj"))
