"""The extractive reader: question + passages -> ranked answer spans with a calibrated "no answer".

Every passage is cut into overlapping windows (qa.windows), all windows go through the model (an
ONNX Runtime session over an export of the shipped weights) in one batch, and candidate spans are
scored by start + end logit, which is comparable across windows and passages. "No answer" compares
the best span with the lowest [CLS] (null) score of the passage it comes from, turned into a
probability by a logistic fitted on dev (calibration.json beside the weights).
"""

from __future__ import annotations

import json
import math
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from index.sentences import BULLETS
from qa.names import normalize_answer
from qa.windows import MAX_LENGTH, STRIDE, Window, collate, length_batches, make_windows

MODEL_DIR = Path(__file__).resolve().parent / "reader_model"
MAX_ANSWER_TOKENS = 30
# Subtracted from a span's logit per word piece beyond its first: the reader's spans run long (a clause
# where a place was asked for). Chosen on dev with bench/span_length_bench.py (`git show
# b31ab73:bench/span_length_bench.py`): 0.1 lifts dev
# F1 (answerable weighted 4 to 1) from 64.16 to 64.75 and shortens the best spans of the answerable
# questions from 3.45 to 2.67 words on average; 0.2 to 0.5 give 64.77 to 63.31.
LENGTH_PENALTY = 0.1
TOP_K = 20
MAX_SPANS = 10  # answers a reading keeps, best first


@dataclass(frozen=True)
class Span:
    """One candidate answer: its text, where it is in which passage, and its scores."""

    text: str
    passage: int  # index into the passages given to `read`
    start: int  # character offsets in that passage
    end: int
    logit: float  # start + end logit plus its passage's prior; comparable across passages
    score: float  # 0..1: P(right) for the best span, scaled by exp(logit - best logit) for the rest


@dataclass(frozen=True)
class Calibration:
    """P(the best span is a right answer) = sigmoid(scale * margin + bias); answer when >= threshold.
    Fitted on dev with its answerable questions weighted `answerable_weight` to 1, the threshold
    refusing at most `max_refused` percent of them when set (qa.training.calibrate); `refused` is the
    percent it does refuse there, the cap a candidate to replace this reader is held to."""

    scale: float = 1.0
    bias: float = 0.0
    threshold: float = 0.5
    answerable_weight: float = 1.0
    max_refused: float | None = None
    refused: float | None = None

    def probability(self, margin: float) -> float:
        z = self.scale * margin + self.bias
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


@dataclass(frozen=True)
class Reading:
    """What the reader found: spans best first, and how likely it is that there is an answer at all."""

    spans: list[Span] = field(default_factory=list)
    margin: float = -math.inf  # best span logit minus the lowest null logit of its passage
    p_answer: float = 0.0  # the calibrated chance that the best span is right
    answerable: bool = False

    @property
    def best(self) -> Span | None:
        return self.spans[0] if self.answerable and self.spans else None


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) so it neither starts nor ends inside a word, and let it not start with a list
    item's bullet."""
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    while start < end and (text[start] in BULLETS or text[start].isspace()):
        start += 1
    return start, end


class SpanModel(Protocol):
    """Start and end logits, each (windows, tokens), for a padded batch of int64 (ids, type ids, mask)."""

    def __call__(self, ids: np.ndarray, types: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


class OnnxSpans:
    """The span model as an ONNX Runtime session (see index.onnx_cache): no torch at answer time."""

    def __init__(self, model_dir: Path, int8: bool):
        from index.onnx_cache import onnx_session

        self.path, self.session = onnx_session(model_dir, "spans", int8)

    def __call__(self, ids: np.ndarray, types: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        start, end = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
        return start, end


class Reader:
    """A span model and its tokenizer (a `tokenizers.Tokenizer`); `read` is thread-safe."""

    def __init__(
        self,
        spans: SpanModel,
        tokenizer,
        calibration: Calibration | None = None,
        max_length: int = MAX_LENGTH,
        stride: int = STRIDE,
        length_penalty: float = LENGTH_PENALTY,
    ):
        self.spans = spans
        self.tokenizer = tokenizer
        self.calibration = calibration or Calibration()
        self.max_length = max_length
        self.stride = stride
        self.length_penalty = length_penalty
        self._tokenizer_lock = threading.Lock()  # make_windows sets the tokenizer's truncation

    @classmethod
    def load(cls, path: str | Path | None = None, *, quantize: bool = True) -> Reader:
        """Load a saved reader (by default the one shipped in the package); never touches the network.

        It runs on ONNX Runtime from an export of the weights cached on first use (index.onnx_cache).
        `quantize` runs the encoder's matrix products in int8; the span head stays fp32. `make eval`
        and `python -m bench.quant_bench` measure both ways.
        """
        from tokenizers import Tokenizer

        path = Path(path) if path else MODEL_DIR
        weights = path / "model.safetensors"
        if not weights.exists():
            raise FileNotFoundError(f"no reader weights at {weights}; train one with `docqa reader train`")
        spans = OnnxSpans(path, int8=quantize)
        tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        calib_file = path / "calibration.json"
        calibration = Calibration(**json.loads(calib_file.read_text())) if calib_file.exists() else None
        return cls(spans, tokenizer, calibration)

    def logits(self, question: str, passages: Sequence[str]) -> tuple[list[Window], list[np.ndarray], list[np.ndarray]]:
        """Window every passage, run the model over the windows in batches of like length, and return
        each window's start and end logits (float64, one value per token of the window)."""
        with self._tokenizer_lock:
            windows = make_windows(self.tokenizer, [question] * len(passages), passages, self.max_length, self.stride)
        starts: list[np.ndarray] = [np.empty(0)] * len(windows)
        ends: list[np.ndarray] = [np.empty(0)] * len(windows)
        for batch in length_batches(windows):
            start, end = self.spans(*collate([windows[i] for i in batch]))
            for row, i in enumerate(batch):
                n = len(windows[i].input_ids)
                starts[i], ends[i] = start[row, :n].astype(np.float64), end[row, :n].astype(np.float64)
        return windows, starts, ends

    def read(
        self,
        question: str,
        passages: Sequence[str],
        max_answer_tokens: int = MAX_ANSWER_TOKENS,
        threshold: float | None = None,
        priors: Sequence[float] | None = None,
    ) -> Reading:
        """Find answer spans for `question` in `passages`; the best over all passages comes first.

        `priors` (one per passage, default 0) are added to the span logits of their passage, e.g. to
        favour passages the retriever ranked higher. The reader answers when P(right), from the best
        span against the null score of its own passage, is >= `threshold` (default: the calibration's,
        chosen on dev for answer()).
        """
        passages = list(passages)
        if not passages or not any(p.strip() for p in passages):
            return Reading()
        windows, starts, ends = self.logits(question, passages)
        priors = list(priors) if priors is not None else [0.0] * len(passages)
        threshold = self.calibration.threshold if threshold is None else threshold
        nulls = [math.inf] * len(passages)  # per passage, the lowest null logit over its windows
        pairs = []
        for row, (w, s_log, e_log) in enumerate(zip(windows, starts, ends, strict=True)):
            nulls[w.example] = min(nulls[w.example], s_log[0] + e_log[0])
            pairs.append(_pairs(row, w, s_log, e_log, max_answer_tokens, self.length_penalty))
        candidates = np.concatenate(pairs)
        return self._rank(passages, windows, candidates, priors, nulls, threshold)

    def _rank(
        self,
        passages: Sequence[str],
        windows: Sequence[Window],
        candidates: np.ndarray,
        priors: list[float],
        nulls: list[float],
        threshold: float,
    ) -> Reading:
        """Walk the token pairs by logit + prior, best first, mapping each to a span of its passage: a span
        seen before got its best logit already, and a span with the normalised text of a kept one is
        merged into it. Stops at MAX_SPANS answers; then decides answer / no answer."""
        window_rows = candidates[:, 0].astype(int)
        passage_of = np.array([w.example for w in windows])[window_rows]
        ranked_logits = candidates[:, 1] + np.asarray(priors)[passage_of]
        seen_spans: set[tuple[int, int, int]] = set()
        seen_texts: set[str] = set()
        ranked: list[tuple[float, float, tuple[int, int, int]]] = []  # (logit + prior, raw logit, span)
        for c in np.argsort(-ranked_logits, kind="stable"):
            w = windows[window_rows[c]]
            text = passages[w.example]
            start, end = snap_to_words(text, w.offsets[int(candidates[c, 2])][0], w.offsets[int(candidates[c, 3])][1])
            key = (w.example, start, end)
            if key in seen_spans or "\n\n" in text[start:end]:  # an answer never runs across a paragraph break
                continue
            seen_spans.add(key)
            norm = normalize_answer(text[start:end])
            if norm and norm not in seen_texts:
                seen_texts.add(norm)
                ranked.append((float(ranked_logits[c]), float(candidates[c, 1]), key))
                if len(ranked) == MAX_SPANS:
                    break
        if not ranked:
            return Reading(margin=-math.inf)
        top, raw, (passage, _, _) = ranked[0]
        margin = raw - nulls[passage]
        p_answer = self.calibration.probability(margin)
        spans = [Span(passages[p][s:e], p, s, e, logit, p_answer * math.exp(logit - top)) for logit, _, (p, s, e) in ranked]
        return Reading(spans, margin, p_answer, p_answer >= threshold)


def _pairs(
    row: int, window: Window, start_logits: np.ndarray, end_logits: np.ndarray, max_answer_tokens: int, length_penalty: float
) -> np.ndarray:
    """Candidate token spans of one window: rows of (window row, start + end logit less the length
    penalty per extra word piece, start token, end token) for the TOP_K best starts and ends in its
    context that make a span of <= max_answer_tokens."""
    first, last = window.context_range
    s = start_logits[first : last + 1]
    e = end_logits[first : last + 1]
    top_s = np.argsort(-s, kind="stable")[:TOP_K]
    top_e = np.argsort(-e, kind="stable")[:TOP_K]
    length = top_e[None, :] - top_s[:, None]
    a, b = np.nonzero((length >= 0) & (length < max_answer_tokens))
    logits = s[top_s[a]] + e[top_e[b]] - length_penalty * length[a, b]
    return np.stack([np.full(len(a), row), logits, first + top_s[a], first + top_e[b]], axis=1)


def save_reader(model, tokenizer, path: str | Path, calibration: Calibration | None = None) -> None:
    """Write the model as fp16 safetensors (half the size, same answers) with config and tokenizer."""
    from dataclasses import asdict

    from safetensors.torch import save_file

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    model.config.save_pretrained(path)
    tokenizer.save_pretrained(path)
    state = {k: v.detach().half().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(path / "model.safetensors"))
    if calibration is not None:
        (path / "calibration.json").write_text(json.dumps(asdict(calibration), indent=1))


_shared: Reader | None = None
_shared_lock = threading.Lock()


def shared_reader() -> Reader:
    """The reader `answer()` uses, loaded once per process: the shipped one, or the folder
    `$DOCQA_READER_DIR` names (one of your own, from `docqa reader train` and `reader calibrate`);
    int8 unless `$DOCQA_READER` says fp32."""
    global _shared
    with _shared_lock:
        if _shared is None:
            precision = os.environ.get("DOCQA_READER", "int8").strip().lower()
            if precision not in ("int8", "fp32"):
                raise ValueError(f"DOCQA_READER must be int8 or fp32, not {precision!r}")
            name = os.environ.get("DOCQA_READER_DIR", "").strip()
            folder = Path(name).expanduser() if name else None
            if folder and not (folder / "calibration.json").is_file():
                raise ValueError(
                    f"DOCQA_READER_DIR={name!r} is not a calibrated reader folder: it needs model.safetensors"
                    " and calibration.json (`docqa reader calibrate DIR`)"
                )
            _shared = Reader.load(folder, quantize=precision == "int8")
        return _shared
