"""The typed results of `answer()`: the answer, where it stands in the document, the runners-up."""

from __future__ import annotations

from dataclasses import dataclass, field, fields


@dataclass(frozen=True)
class Evidence:
    """Where an answer stands: its sentence, and the answer's character offsets in the document."""

    doc_id: str
    passage_id: int
    sentence: str
    sentence_start: int
    sentence_end: int
    start: int  # the answer is document_text[start:end]
    end: int
    role: str = "answer"  # "subject" / "object" for the two sides of a relation answer
    page: int | None = None  # the page (from 1) the answer starts on, for a document with pages (a PDF)


@dataclass(frozen=True)
class Slice:
    """A slice of a document the reader read for an answer: document_text[start:end]."""

    doc_id: str
    start: int
    end: int


@dataclass(frozen=True)
class Alternative:
    """A runner-up answer with its score and evidence."""

    text: str
    score: float
    evidence: Evidence


@dataclass(frozen=True)
class Answer:
    """The answer to one question; `text == ""` means the document does not say."""

    question: str
    text: str
    score: float  # 0..1: for an answer, the calibrated chance that it is right; for none, that no answer would be
    evidence: list[Evidence] = field(default_factory=list)
    alternatives: list[Alternative] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)  # the two sides of a relation answer, in order
    resolved_question: str = ""  # the question as read, after follow-up pronouns were resolved
    closest: Evidence | None = None  # on no answer: the best passage found, to offer the user
    name: str = ""  # the name behind a descriptive answer ("Russia's foreign minister" -> "Sergei Lavrov")
    read: list[Slice] = field(default_factory=list)  # what the reader read: the retrieved passages, widened
    shard: str = ""  # asked across shards (qa.shards): the index folder or server whose documents answered
    missing: list[str] = field(default_factory=list)  # asked across shards: those that did not answer, and why

    @property
    def found(self) -> bool:
        return bool(self.text)


def answer_from_dict(data: dict) -> Answer:
    """An `Answer` back from its JSON form (`dataclasses.asdict`, as the HTTP API sends it); fields an
    other docqa version added are left out."""

    def evidence(e: dict | None) -> Evidence | None:
        return Evidence(**{k: v for k, v in e.items() if k in _EVIDENCE_FIELDS}) if e else None

    known = {k: v for k, v in data.items() if k in _ANSWER_FIELDS}
    return Answer(
        **{
            **known,
            "evidence": [evidence(e) for e in data.get("evidence", [])],
            "alternatives": [Alternative(a["text"], a["score"], evidence(a["evidence"])) for a in data.get("alternatives", [])],
            "closest": evidence(data.get("closest")),
            "read": [Slice(s["doc_id"], s["start"], s["end"]) for s in data.get("read", [])],
        }
    )


_ANSWER_FIELDS = {f.name for f in fields(Answer)}
_EVIDENCE_FIELDS = {f.name for f in fields(Evidence)}
