"""Resolve a follow-up question against the chat history: "Where did he fly to?" after
"Who is the UN special envoy?" -> "Where did Robert Serry fly to?".

Rule-based on purpose: the earliest personal pronoun that refers back (he, she, they, it and their
object and possessive forms) is replaced by the most recent non-empty answer in the history.
"""

from __future__ import annotations

import re

_PRONOUNS = {
    "he": "{}", "she": "{}", "they": "{}", "him": "{}", "them": "{}",
    "his": "{}'s", "her": "{}", "their": "{}'s", "hers": "{}'s", "theirs": "{}'s",
    "it": "{}", "its": "{}'s",
}  # fmt: skip
_PRONOUN = re.compile(r"\b(" + "|".join(_PRONOUNS) + r")\b", re.IGNORECASE)
_HER_POSSESSIVE = re.compile(r"\bher\s+(?!\?)[a-z]", re.IGNORECASE)


def last_answer(history: list[tuple[str, str]] | None) -> str:
    """The most recent non-empty answer text (for a relation answer "A -> B", the last side B)."""
    for _, answer_text in reversed(history or []):
        if answer_text and answer_text.strip():
            return answer_text.split("->")[-1].strip()
    return ""


def resolve(question: str, history: list[tuple[str, str]] | None) -> str:
    """The question with its first back-referring pronoun replaced by the latest answer, if any."""
    referent = last_answer(history)
    if not referent:
        return question
    match = _PRONOUN.search(question)
    if not match:
        return question
    word = match.group(1).lower()
    form = _PRONOUNS[word]
    if word == "her" and _HER_POSSESSIVE.match(question, match.start()):
        form = "{}'s"
    return question[: match.start()] + form.format(referent) + question[match.end() :]
