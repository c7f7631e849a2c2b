"""Cut (question, context) pairs into overlapping token windows for the span reader.

Training and reading share this code so the model sees at run time exactly the windows it was
trained on: question first, then a slice of the context, with each context token's character
offsets kept so a predicted token span maps back to the original text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

MAX_LENGTH = 256
STRIDE = 64
MAX_QUESTION_TOKENS = 64
# A batch is padded to its longest window and the model computes the padding too: windows share a
# batch only while padding stays under this share of the tokens computed, else a second call is cheaper.
MAX_PADDING = 0.05


@dataclass
class Window:
    """One model input: token ids plus, for context tokens, their (start, end) in the context."""

    example: int  # index of the (question, context) pair this window came from
    input_ids: list[int]
    token_type_ids: list[int]
    offsets: list[tuple[int, int] | None]  # None for question and special tokens

    @property
    def context_range(self) -> tuple[int, int]:
        """First and last token index that belong to the context."""
        idx = [i for i, off in enumerate(self.offsets) if off is not None]
        return idx[0], idx[-1]


def make_windows(
    tokenizer: Tokenizer,
    questions: Sequence[str],
    contexts: Sequence[str],
    max_length: int = MAX_LENGTH,
    stride: int = STRIDE,
) -> list[Window]:
    """Tokenize each pair and slide over its context; a long question is cut to 64 tokens.

    `tokenizer` is a `tokenizers.Tokenizer` (a transformers fast tokenizer's `backend_tokenizer`).
    This sets its truncation, so callers that share one tokenizer between threads must hold a lock.
    """
    tokenizer.no_padding()
    tokenizer.no_truncation()
    pairs = [(_clip_question(tokenizer, q), c) for q, c in zip(questions, contexts, strict=True)]
    tokenizer.enable_truncation(max_length, stride=stride, strategy="only_second")
    windows = []
    for example, encoding in enumerate(tokenizer.encode_batch(pairs)):
        for part in [encoding, *encoding.overflowing]:  # the first window, then the ones that slide on
            offsets = [off if sid == 1 else None for off, sid in zip(part.offsets, part.sequence_ids, strict=True)]
            windows.append(Window(example=example, input_ids=part.ids, token_type_ids=part.type_ids, offsets=offsets))
    return windows


def _clip_question(tokenizer: Tokenizer, question: str) -> str:
    """Keep at most MAX_QUESTION_TOKENS word pieces of a question, so the context always has room."""
    offsets = tokenizer.encode(question, add_special_tokens=False).offsets
    if len(offsets) <= MAX_QUESTION_TOKENS:
        return question
    return question[: offsets[MAX_QUESTION_TOKENS - 1][1]]


def token_span(window: Window, char_start: int, char_end: int) -> tuple[int, int] | None:
    """The token span of the window covering context chars [char_start, char_end), if inside it."""
    first, last = window.context_range
    if window.offsets[first][0] > char_start or window.offsets[last][1] < char_end:
        return None
    start = first
    while start <= last and window.offsets[start][1] <= char_start:
        start += 1
    end = last
    while end >= first and window.offsets[end][0] >= char_end:
        end -= 1
    return start, end


def collate(windows: Sequence[Window]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pad a batch to its longest window: int64 arrays (ids, type ids, mask). Padding is masked out,
    so the id it carries does not matter."""
    width = max(len(w.input_ids) for w in windows)
    ids = np.zeros((len(windows), width), dtype=np.int64)
    types = np.zeros_like(ids)
    mask = np.zeros_like(ids)
    for row, w in enumerate(windows):
        n = len(w.input_ids)
        ids[row, :n] = w.input_ids
        types[row, :n] = w.token_type_ids
        mask[row, :n] = 1
    return ids, types, mask


def length_batches(windows: Sequence[Window], max_padding: float = MAX_PADDING) -> list[list[int]]:
    """Indexes of `windows` grouped into batches, longest first, each padded by at most `max_padding`
    of the tokens it computes (two windows of 100 and 146 tokens run apart; ten of 256 together)."""
    order = sorted(range(len(windows)), key=lambda i: -len(windows[i].input_ids))
    batches: list[list[int]] = []
    real = 0
    for i in order:
        n = len(windows[i].input_ids)
        if batches:
            width = len(windows[batches[-1][0]].input_ids)
            if width * (len(batches[-1]) + 1) - (real + n) <= max_padding * width * (len(batches[-1]) + 1):
                batches[-1].append(i)
                real += n
                continue
        batches.append([i])
        real = n
    return batches
