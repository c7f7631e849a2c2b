"""Answer across shards: a collection too big for one machine is split into indexes (shards), each
served by a docqa server on its own machine, or kept as a folder here. A question goes to every shard
at once; each answers from its own passages, and the answer with the highest calibrated chance of
being right wins, the others' answers becoming its runners-up. Every shard runs the same reader and
calibration, so their scores compare. A shard that does not answer (down, too slow, a broken index)
is named in `Answer.missing` and the others still answer.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from index.errors import DocqaError
from index.store import read_manifest
from qa.api import answer, check_question
from qa.names import same_entity
from qa.pipeline import DEFAULT_TOP_K
from qa.types import Alternative, Answer, answer_from_dict

# How long a shard server may take to answer before it counts as missing (DOCQA_SHARD_TIMEOUT overrides
# it): one answers in well under a second, and a node that is off would otherwise hold every question.
TIMEOUT_S = 10.0
HEALTH_TIMEOUT_S = 5.0  # and to say what it holds
MAX_ALTERNATIVES = 4  # runners-up kept, as `answer()` keeps


class ShardError(DocqaError):
    """A shard did not answer: its server is down or too slow, or its index cannot be read."""


def is_server(shard: str | Path) -> bool:
    """Whether a shard is a docqa server's address (http:// or https://) rather than an index folder."""
    return isinstance(shard, str) and shard.startswith(("http://", "https://"))


def shard_timeout() -> float:
    """The seconds a shard server has to answer: DOCQA_SHARD_TIMEOUT, or TIMEOUT_S."""
    value = os.environ.get("DOCQA_SHARD_TIMEOUT", "").strip()
    try:
        seconds = float(value) if value else TIMEOUT_S
    except ValueError:
        raise ValueError(f"DOCQA_SHARD_TIMEOUT must be a number of seconds, not {value!r}") from None
    if not seconds > 0:
        raise ValueError(f"DOCQA_SHARD_TIMEOUT must be above 0, not {value!r}")
    return seconds


def ask_shard(shard: str | Path, question: str, history: list[tuple[str, str]] | None, top_k: int, timeout: float = TIMEOUT_S) -> Answer:
    """One shard's answer: `answer()` on an index folder, or the JSON API of a docqa server."""
    if not is_server(shard):
        return answer(question, index=shard, history=history, top_k=top_k)
    body = json.dumps({"question": question, "history": history or [], "top_k": top_k}).encode()
    request = urllib.request.Request(
        f"{str(shard).rstrip('/')}/api/v1/answer", data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return answer_from_dict(json.loads(response.read()))
    except urllib.error.HTTPError as err:
        detail = _detail(err)
        if err.code == 400:  # the shard's docqa refuses the question (another version's limits)
            raise ValueError(detail) from None
        raise ShardError(f"HTTP {err.code}: {detail}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        raise ShardError(f"unreachable ({getattr(err, 'reason', err)})") from None
    except (ValueError, KeyError, TypeError) as err:
        raise ShardError(f"not a docqa answer ({err})") from None


def _detail(err: urllib.error.HTTPError) -> str:
    """Why a docqa server refused: the "detail" of its JSON error, or the HTTP reason."""
    try:
        return json.loads(err.read())["detail"]
    except (ValueError, KeyError, TypeError, OSError):
        return err.reason


def shard_health(shard: str | Path, timeout: float = HEALTH_TIMEOUT_S) -> dict:
    """What a shard holds ({"shard", "status": "ok", "documents", "passages"}), or why it cannot say
    ({"shard", "status": "missing", "detail"})."""
    try:
        if is_server(shard):
            with urllib.request.urlopen(f"{str(shard).rstrip('/')}/api/v1/health", timeout=timeout) as response:
                health = json.loads(response.read())
            return {"shard": str(shard), "status": "ok", "documents": health["documents"], "passages": health["passages"]}
        manifest = read_manifest(Path(shard))
        return {"shard": str(shard), "status": "ok", "documents": [d.doc_id for d in manifest.documents], "passages": manifest.passages}
    except DocqaError as err:
        return {"shard": str(shard), "status": "missing", "detail": str(err)}
    except (urllib.error.URLError, TimeoutError, OSError, ValueError, KeyError, TypeError) as err:
        return {"shard": str(shard), "status": "missing", "detail": f"unreachable ({getattr(err, 'reason', err)})"}


def shards_health(shards: Sequence[str | Path]) -> list[dict]:
    """shard_health of every shard, asked at once (a hanging one costs its timeout once, not per shard), in order."""
    if not shards:
        return []
    with ThreadPoolExecutor(max_workers=len(shards), thread_name_prefix="docqa-shard") as pool:
        return list(pool.map(shard_health, shards))


def answer_across(
    question: str,
    shards: Sequence[str | Path],
    *,
    history: list[tuple[str, str]] | None = None,
    top_k: int = DEFAULT_TOP_K,
    timeout: float | None = None,
) -> Answer:
    """Ask every shard at once and keep the best answer (see the module's docstring). Bad input
    raises ValueError / TypeError as `answer()` does; DocqaError when no shard answered. A server has
    `timeout` seconds to answer (default: shard_timeout())."""
    question = check_question(question)
    if not isinstance(top_k, int) or top_k < 1:
        raise ValueError("top_k must be a positive integer")
    if isinstance(shards, (str, Path)) or not shards:
        raise ValueError("shards must be a list of index folders or docqa server addresses, at least one")
    timeout = shard_timeout() if timeout is None else timeout
    with ThreadPoolExecutor(max_workers=len(shards), thread_name_prefix="docqa-shard") as pool:
        futures = [pool.submit(ask_shard, shard, question, history, top_k, timeout) for shard in shards]
        answers, missing = [], []
        for shard, future in zip(shards, futures, strict=True):
            try:
                answers.append(replace(future.result(), shard=str(shard)))
            except DocqaError as err:
                missing.append(f"{shard}: {err}")
    if not answers:
        raise ShardError("no shard answered: " + "; ".join(missing))
    return replace(merge_answers(answers), missing=[*missing, *(m for a in answers for m in a.missing)])  # a shard may be a front


def merge_answers(answers: Sequence[Answer]) -> Answer:
    """The shards' answers as one: the found answer with the highest score, the other shards' answers
    (and each one's runners-up) as its runners-up, best first, one per entity. When no shard found an
    answer, the refusal whose best span came nearest to one, so its closest passage is offered."""
    found = sorted((a for a in answers if a.found), key=lambda a: -a.score)
    if not found:
        return min(answers, key=lambda a: a.score)
    best = found[0]
    candidates = [*best.alternatives, *(alt for other in found[1:] for alt in _as_alternatives(other))]
    shown = [best.text, best.name, *best.parts]
    kept: list[Alternative] = []
    for alt in sorted(candidates, key=lambda a: -a.score):
        if not any(t and same_entity(alt.text, t) for t in [*shown, *(k.text for k in kept)]):
            kept.append(alt)
    return replace(best, alternatives=kept[:MAX_ALTERNATIVES])


def _as_alternatives(other: Answer) -> list[Alternative]:
    """Another shard's answer and its runners-up, as runners-up of the winning answer."""
    return [Alternative(other.text, other.score, other.evidence[0]), *other.alternatives]


__all__ = ["ShardError", "answer_across", "ask_shard", "is_server", "merge_answers", "shard_health", "shards_health"]
