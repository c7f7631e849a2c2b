"""Keep Hugging Face libraries off the network and quiet: every model here loads from disk."""

import os


def go_offline() -> None:
    """Set the variables that stop hub look-ups, telemetry and load-time progress bars (unless set)."""
    for key, value in {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "TRANSFORMERS_VERBOSITY": "error",
        "TOKENIZERS_PARALLELISM": "false",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }.items():
        os.environ.setdefault(key, value)
