"""The main text of a saved web page (trafilatura): the article without navigation, scripts, styles,
cookie banners or footer; paragraphs separated by blank lines."""

from __future__ import annotations

from index.errors import DocumentError

MIN_WORDS = 5  # less than this is a menu or a button, not text to ask about


def html_text(data: bytes, name: str) -> tuple[str, tuple[int, ...]]:
    """(text, ()) of an HTML page; DocumentError when it holds no readable text."""
    import trafilatura

    text = trafilatura.extract(data, include_comments=False, include_tables=True, include_links=False) or ""
    if sum(any(ch.isalnum() for ch in word) for word in text.split()) < MIN_WORDS:
        raise DocumentError(f"{name}: no readable text in the page")
    return "\n\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip()), ()
