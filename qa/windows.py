"""Cut (question, context) pairs into overlapping token windows for the span reader.

Training and reading share this code so the model sees at run time exactly the windows it was
trained on: question first, then a slice of the context, with each context token's character
offsets kept so a predicted token span maps back to the original text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MAX_LENGTH = 256
STRIDE = 64
MAX_QUESTION_TOKENS = 64


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
    tokenizer,
    questions: Sequence[str],
    contexts: Sequence[str],
    max_length: int = MAX_LENGTH,
    stride: int = STRIDE,
) -> list[Window]:
    """Tokenize each pair and slide over its context; a long question is cut to 64 tokens."""
    questions = [_clip_question(tokenizer, q) for q in questions]
    enc = tokenizer(
        list(questions),
        list(contexts),
        truncation="only_second",
        max_length=max_length,
        stride=stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding=False,
    )
    windows = []
    for i, input_ids in enumerate(enc["input_ids"]):
        seq_ids = enc.sequence_ids(i)
        offsets = [tuple(off) if sid == 1 else None for off, sid in zip(enc["offset_mapping"][i], seq_ids, strict=True)]
        windows.append(
            Window(
                example=enc["overflow_to_sample_mapping"][i],
                input_ids=input_ids,
                token_type_ids=enc["token_type_ids"][i],
                offsets=offsets,
            )
        )
    return windows


def _clip_question(tokenizer, question: str) -> str:
    """Keep at most MAX_QUESTION_TOKENS word pieces of a question, so the context always has room."""
    enc = tokenizer(question, add_special_tokens=False, return_offsets_mapping=True)
    if len(enc["input_ids"]) <= MAX_QUESTION_TOKENS:
        return question
    return question[: enc["offset_mapping"][MAX_QUESTION_TOKENS - 1][1]]


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


def collate(windows: Sequence[Window], pad_id: int = 0):
    """Pad a batch to its longest window and return torch tensors (ids, type ids, mask)."""
    import torch

    width = max(len(w.input_ids) for w in windows)
    ids = torch.full((len(windows), width), pad_id, dtype=torch.long)
    types = torch.zeros((len(windows), width), dtype=torch.long)
    mask = torch.zeros((len(windows), width), dtype=torch.long)
    for row, w in enumerate(windows):
        n = len(w.input_ids)
        ids[row, :n] = torch.tensor(w.input_ids)
        types[row, :n] = torch.tensor(w.token_type_ids)
        mask[row, :n] = 1
    return ids, types, mask
