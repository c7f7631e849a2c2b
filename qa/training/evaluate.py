"""Score a reader on SQuAD examples, each question read with its gold paragraph."""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from qa.reader import Reader, Reading
from qa.training.squad import Example, score

# Where the prediction for an answerable question came from (`Figures.sources`). End to end, an answer
# from another paragraph is told apart by whether the reader also read the gold answer (a wrong
# choice between the passages read) or not (a retrieval miss).
FROM_GOLD = "the answer's paragraph"
FROM_OTHER_READ = "another paragraph, the gold answer read too"
FROM_OTHER_UNREAD = "another paragraph, the gold answer not read"
NO_ANSWER = "no answer"


@dataclass(frozen=True)
class Source:
    """The answerable questions whose prediction came from one place, and their F1 (percent)."""

    questions: int
    f1: float


@dataclass(frozen=True)
class Figures:
    """EM/F1 in percent overall, on answerable (has_ans) and unanswerable (no_ans) questions."""

    em: float
    f1: float
    has_ans_f1: float | None
    no_ans_f1: float | None
    n: int
    has_ans_n: int
    no_ans_n: int
    p50_ms: float
    p95_ms: float
    refused: float | None = None  # percent of the answerable questions given no answer
    # answerable questions by where their prediction came from: it splits an end-to-end loss into
    # answers from a wrong paragraph, refusals and worse spans
    sources: dict[str, Source] = field(default_factory=dict)


def read_all(reader: Reader, examples: Sequence[Example], threshold: float | None = None) -> tuple[list[Reading], list[float]]:
    """Read every example with its own paragraph; return the readings and per-question latency."""
    readings, times = [], []
    for ex in examples:
        t = time.perf_counter()
        readings.append(reader.read(ex.question, [ex.context], threshold=threshold))
        times.append((time.perf_counter() - t) * 1000)
    return readings, times


def prediction(reading: Reading) -> str:
    best = reading.best
    return best.text if best else ""


def figures(
    examples: Sequence[Example], predictions: Sequence[str], times: Sequence[float], origins: Sequence[str] | None = None
) -> Figures:
    """Aggregate per-question EM/F1 into the figures the README and model card report. `origins` says
    where each prediction came from (FROM_GOLD, FROM_OTHER_READ, FROM_OTHER_UNREAD or NO_ANSWER); by
    default a prediction comes from the gold paragraph, the only one a reader alone is given."""
    scores = [score(p, ex) for p, ex in zip(predictions, examples, strict=True)]
    if origins is None:
        origins = [FROM_GOLD if p else NO_ANSWER for p in predictions]
    by_origin: dict[str, list[float]] = {o: [] for o in (FROM_GOLD, FROM_OTHER_READ, FROM_OTHER_UNREAD, NO_ANSWER)}
    for (_, f), ex, origin in zip(scores, examples, origins, strict=True):
        if not ex.is_impossible:
            by_origin[origin].append(f)
    has = [f for fs in by_origin.values() for f in fs]
    no = [f for (_, f), ex in zip(scores, examples, strict=True) if ex.is_impossible]
    n = len(examples)
    qs = statistics.quantiles(times, n=20) if len(times) > 1 else [times[0]] * 19
    return Figures(
        em=100 * sum(e for e, _ in scores) / n,
        f1=100 * sum(f for _, f in scores) / n,
        has_ans_f1=100 * sum(has) / len(has) if has else None,
        no_ans_f1=100 * sum(no) / len(no) if no else None,
        n=n,
        has_ans_n=len(has),
        no_ans_n=len(no),
        p50_ms=statistics.median(times),
        p95_ms=qs[18],
        sources={o: Source(len(fs), 100 * sum(fs) / len(fs) if fs else 0.0) for o, fs in by_origin.items()},
        refused=100 * len(by_origin[NO_ANSWER]) / len(has) if has else None,
    )


def evaluate(reader: Reader, examples: Sequence[Example], threshold: float | None = None) -> Figures:
    """Read and score `examples`; `threshold=0` always answers (the SQuAD v1.1 protocol)."""
    readings, times = read_all(reader, examples, threshold)
    return figures(examples, [prediction(r) for r in readings], times)
