"""qa: answer questions from an index: hybrid retrieval, a trained extractive reader, `answer()`.

`answer` is imported on first use (PEP 562), so the reader loads without LangChain; training and
evaluation live in `qa.training`, which nothing on the answer path imports.
"""

from qa.types import Alternative, Answer, Evidence, Slice

__all__ = ["Alternative", "Answer", "Evidence", "Slice", "answer"]


def __getattr__(name: str):
    if name == "answer":
        from qa.api import answer

        return answer
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
