"""Shared, session-scoped fixtures: real models, real FAISS/BM25 indexes, built once per test run."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Keep the test run's indexes out of the user's data folder; set before docqa reads it.
_HOME = Path(tempfile.mkdtemp(prefix="docqa-test-home-"))
os.environ["DOCQA_HOME"] = str(_HOME)

from index.offline import go_offline  # noqa: E402

go_offline()

from qa.training.squad import default_data_dir  # noqa: E402

SQUAD_DIR = default_data_dir()

STORY = """\
The Harbour Museum of Valmora opened in 1987 in a former grain warehouse beside the old docks.

Its founder, the marine engineer Ines Calder, donated her collection of ship models to the town. She later became the museum's first director.

In 2019 the museum bought a steam tug called the Little Wren for 40,000 euros. Volunteers restored the tug over three winters.

The mayor of Valmora, Tomas Brevik, refused to meet the harbour union leader, Agnes Holt, during the strike of 2021. Holt then flew to Oslo to speak with shipping companies.

Entry to the museum is free on Sundays, and the café on the top floor serves fish soup.
"""
STORY_PARAGRAPHS = [p.strip() for p in STORY.split("\n\n") if p.strip()]


@pytest.fixture(scope="session")
def home() -> Path:
    return _HOME


@pytest.fixture(scope="session")
def story_index(tmp_path_factory) -> Path:
    """An index of STORY, a text written for the tests."""
    from index import build_index

    folder = tmp_path_factory.mktemp("story-index")
    build_index([STORY], folder)
    return folder


@pytest.fixture(scope="session")
def story_paragraphs_index(tmp_path_factory) -> Path:
    """STORY indexed with a passage per paragraph, as an index built before short paragraphs were
    joined is (index.passages.MIN_CHARS 0): its short passages are widened when read."""
    from index.build import index_documents
    from index.documents import Document
    from index.store import save_index

    folder = tmp_path_factory.mktemp("story-paragraphs-index")
    save_index(index_documents([Document("text-1", STORY)], min_passage_chars=0), folder)
    return folder


@pytest.fixture(scope="session")
def article_index() -> Path:
    """The default index (built from the bundled article on first use)."""
    from index import ensure_default_index

    return ensure_default_index()


@pytest.fixture(scope="session")
def server_url(article_index):
    """A real docqa server (the page and the JSON API) on a free loopback port, over the default index."""
    from ui.app import launch
    from ui.replicas import free_port

    server = launch(port=free_port(), block=False)
    yield server.url
    server.close()


@pytest.fixture(scope="session")
def reader():
    from qa.reader import shared_reader

    return shared_reader()


def needs_squad() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not (SQUAD_DIR / "splits.json").exists(), reason=f"SQuAD data not found at {SQUAD_DIR}")
