"""qa: answer questions from an index: hybrid retrieval, a trained extractive reader, `answer()`."""

from qa.answer import answer
from qa.types import Alternative, Answer, Evidence

__all__ = ["Alternative", "Answer", "Evidence", "answer"]
