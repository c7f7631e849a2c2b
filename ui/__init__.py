"""ui: the faces of docqa: the Gradio web app (ui.app) and the `docqa` command (ui.cli)."""
