"""Where docqa keeps what it makes: indexes, ONNX exports of the models, web sessions."""

import os
from pathlib import Path


def docqa_home() -> Path:
    """`$DOCQA_HOME`, else the per-user data folder (e.g. ~/.local/share/docqa)."""
    if os.environ.get("DOCQA_HOME"):
        return Path(os.environ["DOCQA_HOME"]).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("docqa", appauthor=False))
