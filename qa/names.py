"""Put a name to an answer: "Mr Lavrov" -> "Sergei Lavrov", "Russia's foreign minister" -> "Sergei Lavrov".

Documents often introduce a person once in full ("Russian Foreign Minister Sergei Lavrov") and later
refer to them by surname or role; the reader may extract either. We look the fuller form up in the
same document, so the answer says who is meant while the evidence stays the sentence read.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import takewhile

# Words of a title or office that can stand capitalised before a name ("Secretary of State John Kerry"):
# never part of the name itself. Words that are also common surnames (King, Bishop, Major) are left out.
_TITLES = {
    *("mr", "mrs", "ms", "miss", "dr", "sir", "dame", "lord", "lady", "mr.", "mrs.", "ms.", "dr.", "prof", "professor"),
    *("president", "vice", "prime", "minister", "premier", "chancellor", "secretary", "state", "foreign", "general"),
    *("senator", "governor", "mayor", "ambassador", "envoy", "commissioner", "chairman", "chairwoman", "director"),
    *("queen", "prince", "princess", "chief", "deputy", "captain", "colonel", "lieutenant", "sergeant", "admiral"),
}
_LINKS = {"the", "a", "an", "of", "and", "for", "in", "on", "at", "to", "by", "from", "with"}
_NAME = r"(?:[A-Z][\w'\u2019-]+)"
_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCT = set(string.punctuation)


def normalize_answer(text: str) -> str:
    """The official SQuAD normalisation: lower case, no punctuation, no articles, folded spaces (also
    what the SQuAD scores of qa.training.squad compare)."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def same_entity(a: str, b: str) -> bool:
    """True when two answers name the same thing, one's words within the other's ("Lavrov" and "Sergei Lavrov")."""
    ta, tb = set(normalize_answer(a).split()), set(normalize_answer(b).split())
    return bool(ta and tb) and (ta <= tb or tb <= ta)


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


def full_name(document: str, answer: str) -> str:
    """The longest "First Last" in the document ending in the answer's surname; "" if none is longer."""
    words = [w for w in answer.replace(".", "").split() if w]
    if not words or not all(_capitalised(w) for w in words) or len(words) > 3:
        return ""
    core = [w for w in words if w.lower() not in _TITLES]
    if not core:
        return ""
    surname = core[-1]
    best = " ".join(core)
    for m in re.finditer(rf"((?:{_NAME}\s+){{1,2}}){re.escape(surname)}\b", document):
        # the name is what follows the last title word: "State John Kerry" -> "John Kerry"
        candidate = list(takewhile(lambda w: w.lower() not in _TITLES, reversed(m.group(0).split())))[::-1]
        if len(" ".join(candidate)) > len(best) and all(_capitalised(w) for w in candidate):
            best = " ".join(candidate)
    return best if best != " ".join(core) or len(core) < len(words) else ""


@dataclass(frozen=True)
class Mention:
    """A name the document gives a role, "Russian Foreign Minister Sergei Lavrov": the word before the
    role ("Russian"), and the name with its offsets in the document."""

    before: str
    name: str
    start: int
    end: int


def role_mentions(document: str, role: str) -> Iterator[Mention]:
    """Every "<word> <role> <Name>" of the document, the role matched in any case, in order."""
    pattern = re.compile(rf"(\w+)?\s*(?i:{re.escape(role)})\s+((?:{_NAME}\s+)*{_NAME})")
    for m in pattern.finditer(document):
        if all(_capitalised(w) for w in m.group(2).split()):
            yield Mention(m.group(1) or "", m.group(2), m.start(2), m.end(2))


def qualifies(qualifier: str, word: str) -> bool:
    """Whether a word before a role names the same place as a question's qualifier: "Russia's" and
    "Russian" (their first five letters)."""
    stem = re.sub(r"['\u2019]s$", "", qualifier)[:5].lower()
    return bool(stem) and word.lower().startswith(stem)


def name_for_role(document: str, answer: str) -> str:
    """For a role answer ("Russia's foreign minister"), the name the document gives that role."""
    words = answer.split()
    if len(words) < 2 or _capitalised(words[-1]):
        return ""
    mentions = list(role_mentions(document, " ".join(words[-2:])))
    if len(words) > 2:  # qualified: only a mention of the same place will do
        return next((m.name for m in mentions if qualifies(words[0], m.before)), "")
    return mentions[0].name if mentions else ""


def name_in_description(answer: str) -> str:
    """ "the engineer Alan Stevenson" -> "Alan Stevenson": the name after a lower-case role, or "".

    Only after a role noun: "the Bank of England" or "US Secretary of State John Kerry" give "".
    """
    words = answer.split()
    tail = list(takewhile(_capitalised, reversed(words)))[::-1]
    if len(tail) < 2 or len(tail) == len(words):
        return ""
    before = words[-len(tail) - 1]
    if _capitalised(before) or before.lower() in _LINKS:
        return ""
    return " ".join(tail)


def name_behind(document: str, answer: str) -> str:
    """The fuller name of the person an answer refers to, or "" when the answer is already as full."""
    return full_name(document, answer) or name_for_role(document, answer) or name_in_description(answer)


_POSSESSOR = re.compile(r"\b[A-Z][\w-]*['\u2019]s\s+$")


def possessor_start(document: str, start: int) -> int:
    """Where the phrase starting at `start` begins once the possessor right before it is taken in:
    "foreign minister" after "Russia's " starts at "Russia's". The reader's length penalty often
    leaves the possessor out, though it says whose minister is meant."""
    m = _POSSESSOR.search(document, max(0, start - 40), start)
    return m.start() if m else start


def counterpart_name(document: str, answer: str, end: int, subject: str) -> str:
    """ "his Ukrainian counterpart" of "Russia's foreign minister" is the Ukrainian foreign minister: name them.

    `end` is where the answer stops in the document; an answer cut before "counterpart" still counts.
    """
    words = answer.split()
    if words and words[-1].lower() != "counterpart" and re.match(r"\s+counterpart\b", document[end:], re.IGNORECASE):
        words.append("counterpart")
    subject_words = subject.split()
    if len(words) < 2 or words[-1].lower() != "counterpart" or len(subject_words) < 2 or _capitalised(subject_words[-1]):
        return ""
    return name_for_role(document, f"{words[-2]} {' '.join(subject_words[-2:])}")
