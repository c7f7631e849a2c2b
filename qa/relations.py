"""Two-slot relation questions ("Who refused to meet whom?") answered as two single-span questions.

An extractive reader returns one span, so we ask twice: first for the subject with the second slot
dropped ("Who refused to meet?"), then for the object with the subject filled in ("Sergei Lavrov
refused to meet whom?"), excluding the subject itself from the second answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_RELATION = re.compile(
    r"^\s*(?P<wh>who|what|which \w+)\s+(?P<verb>.+?)\s+(?P<obj>whom|who|what|which \w+)\s*\??\s*$",
    re.IGNORECASE,
)
_TRAILING_PREPOSITION = re.compile(r"\s+(with|to|at|on|for|from|about|by|against)$", re.IGNORECASE)


@dataclass(frozen=True)
class Relation:
    """A relation question split in two: ask `subject_question`, then `object_question(subject)`."""

    question: str
    verb: str  # "refused to meet", "spoke by phone with"
    wh: str
    obj: str

    @property
    def anchor(self) -> re.Pattern:
        """The verb of the question as it may be inflected in the text ("refused" -> refus\\w*)."""
        word = self.verb.split()[0].lower()
        return re.compile(rf"\b{re.escape(word[: max(4, len(word) - 2)])}\w*", re.IGNORECASE)

    @property
    def subject_question(self) -> str:
        return f"{self.wh.capitalize()} {_TRAILING_PREPOSITION.sub('', self.verb)}?"

    def object_question(self, subject: str) -> str:
        return f"{subject} {self.verb} {self.obj.lower()}?"


def parse_relation(question: str) -> Relation | None:
    """A Relation when the question asks for two slots (a wh-word at both ends), else None."""
    m = _RELATION.match(question)
    if not m or len(m.group("verb").split()) > 8:
        return None
    return Relation(question, m.group("verb"), m.group("wh"), m.group("obj"))
