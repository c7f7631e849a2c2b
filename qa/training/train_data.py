"""The reader's training windows, tokenized once: every question of the train part, and synthetic
unanswerable questions made from them, cut into the reader's windows (qa.windows.make_windows, so
training sees what the reader reads), each window labelled with every answer span it holds.

They live in flat numpy arrays that save to one .npz (no pickle). A GPU run tokenizes once
(`docqa reader prepare`) and its side-by-side runs each draw their own mix from the same file: how
to treat answers whose start was guessed (`ambiguous`), how many negatives, how often to repeat the
unanswerable questions. Tokenizing 120k questions takes minutes in one process; `workers` spreads it
over processes.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from qa.training.squad import Example
from qa.windows import MAX_LENGTH, STRIDE, make_windows, token_span

REAL, OTHER_PARAGRAPH, ANSWER_REMOVED = 0, 1, 2  # where an example comes from: the data, or a negative made from it
AMBIGUOUS = ("keep", "any", "drop")  # a guessed start: train on it, on any candidate start, or drop the question
MAX_SPANS = 8  # candidate spans kept per window


def other_paragraph_negatives(examples: list[Example], share: float, rng: random.Random) -> list[Example]:
    """Answerable questions paired with another paragraph of the same article, as unanswerable.

    At answer time the retriever hands the reader near-miss passages of the same document; these
    teach the [CLS] score to refuse them instead of picking a plausible span there.
    """
    paragraphs: dict[str, dict[str, None]] = {}
    for ex in examples:
        paragraphs.setdefault(ex.title, {})[ex.context] = None
    by_title = {title: list(ps) for title, ps in paragraphs.items()}
    negatives = []
    for ex in examples:
        ps = by_title[ex.title]
        if ex.is_impossible or len(ps) < 2 or rng.random() >= share:
            continue
        other = ex.context
        while other == ex.context:  # another paragraph, drawn by rejection: articles hold up to ~150
            other = rng.choice(ps)
        negatives.append(replace(ex, qid=ex.qid + "-other", context=other, answers=(), answer_starts=(), start_candidates=()))
    return negatives


def answer_removed_negatives(examples: list[Example], share: float, rng: random.Random) -> list[Example]:
    """Answerable questions with their own paragraph less the sentences that hold an answer, as unanswerable.

    The paragraph stays on topic and keeps the spans of the answer's type around it, like SQuAD 2.0's
    unanswerable questions: the [CLS] score has to learn that a plausible span is not the answer. A
    question whose answer text still appears in what is left is skipped.
    """
    from index.sentences import sentence_spans

    negatives = []
    for ex in examples:
        if ex.is_impossible or rng.random() >= share:
            continue
        answers = [(s, s + len(a)) for a, s in zip(ex.answers, ex.answer_starts, strict=True)]
        kept = [(a, b) for a, b in sentence_spans(ex.context) if not any(a < end and start < b for start, end in answers)]
        context = " ".join(ex.context[a:b] for a, b in kept)
        if context and not any(a.lower() in context.lower() for a in ex.answers):
            negatives.append(replace(ex, qid=ex.qid + "-removed", context=context, answers=(), answer_starts=(), start_candidates=()))
    return negatives


def answer_char_spans(ex: Example) -> list[tuple[int, int, bool]]:
    """(start, end, chosen) of each place the first answer may stand: its own start (chosen) and, when
    that start was guessed, the other candidates."""
    if ex.is_impossible:
        return []
    text, start = ex.answers[0], ex.answer_starts[0]
    starts = ex.start_candidates or (start,)
    return [(s, s + len(text), s == start) for s in starts]


@dataclass
class TrainingWindows:
    """Windows in flat arrays; window w's tokens are ids[offsets[w]:offsets[w + 1]], its candidate spans
    span_*[span_ptr[w]:span_ptr[w + 1]]. Per-example arrays are indexed by `example`."""

    ids: np.ndarray  # uint16 token ids, all windows concatenated
    offsets: np.ndarray  # int64, windows + 1
    context_start: np.ndarray  # uint16 per window: first context token (token type 1 from there on)
    example: np.ndarray  # int32 per window
    span_ptr: np.ndarray  # int64, windows + 1
    span_start: np.ndarray  # int16 token positions of the candidate spans
    span_end: np.ndarray
    span_chosen: np.ndarray  # bool: the span at the data's own answer_start
    kind: np.ndarray  # int8 per example: REAL, OTHER_PARAGRAPH or ANSWER_REMOVED
    answerable: np.ndarray  # bool per example
    ambiguous: np.ndarray  # bool per example: its answer_start was guessed among several
    meta: dict  # how they were made: shares of negatives, seed, window size

    def __len__(self) -> int:
        return len(self.context_start)

    def length(self, w: int) -> int:
        return int(self.offsets[w + 1] - self.offsets[w])

    def spans(self, w: int) -> list[tuple[int, int, bool]]:
        a, b = self.span_ptr[w], self.span_ptr[w + 1]
        return list(zip(self.span_start[a:b].tolist(), self.span_end[a:b].tolist(), self.span_chosen[a:b].tolist(), strict=True))

    def save(self, path: str | Path) -> None:
        """Write to `path` (.npz), atomically."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "meta"}
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, meta=np.array(json.dumps(self.meta)), **arrays)
        tmp.replace(path)

    @classmethod
    def load(cls, path: str | Path) -> TrainingWindows:
        with np.load(Path(path), allow_pickle=False) as data:
            values = {f.name: data[f.name] for f in fields(cls) if f.name != "meta"}
            return cls(meta=json.loads(str(data["meta"])), **values)


def prepare_windows(
    examples: list[Example],
    tokenizer_file: str | Path,
    other_paragraph: float = 0.0,
    answer_removed: float = 0.0,
    seed: int = 13,
    max_length: int = MAX_LENGTH,
    stride: int = STRIDE,
    workers: int | None = None,
) -> TrainingWindows:
    """Window `examples` and the negatives made from them (shares of the answerable questions, drawn
    with `seed`), labelling every window with the candidate answer spans inside it."""
    rng = random.Random(seed)
    negatives = other_paragraph_negatives(examples, other_paragraph, rng) if other_paragraph else []
    removed = answer_removed_negatives(examples, answer_removed, rng) if answer_removed else []
    everything = examples + negatives + removed
    kind = np.array([REAL] * len(examples) + [OTHER_PARAGRAPH] * len(negatives) + [ANSWER_REMOVED] * len(removed), dtype=np.int8)
    rows = [(ex.question, ex.context, answer_char_spans(ex)) for ex in everything]
    workers = max(1, min(workers or os.cpu_count() or 1, len(rows) // 2000 + 1))
    chunk = -(-len(rows) // workers)
    jobs = [(str(tokenizer_file), rows[i : i + chunk], max_length, stride) for i in range(0, len(rows), chunk)]
    if workers == 1:
        parts = [_encode(job) for job in jobs]
    else:
        with get_context("spawn").Pool(workers) as pool:  # spawn: a forked Rust tokenizer can deadlock
            parts = pool.map(_encode, jobs)
    first = np.cumsum([0] + [len(job[1]) for job in jobs])[:-1]
    meta = {"other_paragraph": other_paragraph, "answer_removed": answer_removed, "seed": seed, "max_length": max_length, "stride": stride}
    return TrainingWindows(
        ids=np.concatenate([p["ids"] for p in parts]),
        offsets=_join_pointers([p["offsets"] for p in parts]),
        context_start=np.concatenate([p["context_start"] for p in parts]),
        example=np.concatenate([p["example"] + f for p, f in zip(parts, first, strict=True)]).astype(np.int32),
        span_ptr=_join_pointers([p["span_ptr"] for p in parts]),
        span_start=np.concatenate([p["span_start"] for p in parts]),
        span_end=np.concatenate([p["span_end"] for p in parts]),
        span_chosen=np.concatenate([p["span_chosen"] for p in parts]),
        kind=kind,
        answerable=np.array([not ex.is_impossible for ex in everything]),
        ambiguous=np.array([bool(ex.start_candidates) for ex in everything]),
        meta=meta,
    )


def _join_pointers(pointers: Sequence[np.ndarray]) -> np.ndarray:
    """Concatenate CSR pointer arrays (each starting at 0) into one."""
    out, base = [np.zeros(1, dtype=np.int64)], 0
    for p in pointers:
        out.append(p[1:] + base)
        base += int(p[-1])
    return np.concatenate(out)


def _encode(job: tuple[str, list[tuple[str, str, list[tuple[int, int, bool]]]], int, int]) -> dict[str, np.ndarray]:
    """Window one chunk of (question, context, answer char spans) rows; a worker process's task."""
    from tokenizers import Tokenizer

    tokenizer_file, rows, max_length, stride = job
    windows = make_windows(Tokenizer.from_file(tokenizer_file), [r[0] for r in rows], [r[1] for r in rows], max_length, stride)
    ids, lengths, context_start, example = [], [], [], []
    span_counts, span_start, span_end, span_chosen = [], [], [], []
    for w in windows:
        ids.extend(w.input_ids)
        lengths.append(len(w.input_ids))
        context_start.append(w.context_range[0])
        example.append(w.example)
        spans = []
        for a, b, chosen in rows[w.example][2]:
            span = token_span(w, a, b)
            if span is not None and len(spans) < MAX_SPANS:
                spans.append((*span, chosen))
        span_counts.append(len(spans))
        span_start.extend(s for s, _, _ in spans)
        span_end.extend(e for _, e, _ in spans)
        span_chosen.extend(c for _, _, c in spans)
    return {
        "ids": np.array(ids, dtype=np.uint16),
        "offsets": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        "context_start": np.array(context_start, dtype=np.uint16),
        "example": np.array(example, dtype=np.int32),
        "span_ptr": np.concatenate([[0], np.cumsum(span_counts)]).astype(np.int64),
        "span_start": np.array(span_start, dtype=np.int16),
        "span_end": np.array(span_end, dtype=np.int16),
        "span_chosen": np.array(span_chosen, dtype=bool),
    }
