"""The Gradio web app: chat with evidence, the document with the answer marked, rebuild from new text.

Handlers are plain functions of (inputs, session state) so the same code serves the page and the
`gradio_client` API (`/ask`, `/rebuild`, `/reset`). The page is mounted on the FastAPI app of the
plain JSON API (ui.http_api), and both are served by uvicorn.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from index.offline import go_offline

go_offline()

import gradio as gr  # noqa: E402

from index.build import DEFAULT_DOCUMENT, ensure_default_index  # noqa: E402
from index.documents import Document  # noqa: E402
from index.errors import DocqaError  # noqa: E402
from index.formats import SUFFIXES  # noqa: E402
from index.store import read_manifest  # noqa: E402
from qa.api import answer, forget, pipeline_for  # noqa: E402
from qa.reader import shared_reader  # noqa: E402
from qa.shards import answer_across, shards_health  # noqa: E402
from qa.types import Answer  # noqa: E402
from ui.http_api import api_app  # noqa: E402
from ui.render import answer_html, document_html, question_html, sentence_view_html, sources_html  # noqa: E402
from ui.sessions import MAX_REBUILD_BYTES, SessionBuilds, build_session_index, remove_session_dir, uploaded_documents  # noqa: E402

EXAMPLES = [
    "Who refused to meet whom?",
    "Who is Ukraine's foreign minister?",
    "Where will Kerry meet Lavrov tomorrow?",
    "How much financial aid did the EU offer Ukraine?",
    "Who is the UN special envoy?",
    "Who spoke by phone with whom?",
]
CONCURRENCY = 4  # answers run in parallel, sized for a 2-core machine
SESSION_TTL_S = 6 * 3600
SCROLL_TO_ANSWER = "() => document.querySelector('#doc-view mark.answer')?.scrollIntoView({block: 'center'})"
CSS = """
mark.answer { background: #ffd54f; color: #000; font-weight: 600; }
mark.evidence { background: #fff3c4; color: #000; }
mark.closest { background: none; color: inherit; border-bottom: 2px dashed #9e9e9e; }
.doc { max-height: 560px; overflow-y: auto; line-height: 1.5; }
"""


def _active(session_dir: str | None, default_dir: Path | None) -> Path | None:
    return Path(session_dir) if session_dir else default_dir


def _bundled(index_dir: Path | None) -> bool:
    """Whether an index holds the bundled article alone: the page then offers questions about it."""
    if index_dir is None:
        return False
    docs = read_manifest(index_dir).documents
    return len(docs) == 1 and docs[0].sha256 == Document("article", DEFAULT_DOCUMENT.read_text(encoding="utf-8")).sha256


def _info(index_dir: Path | None, shards: list[str] | None = None) -> str:
    """The line above the chat: the documents loaded, or across shards each shard's."""
    if index_dir is None:
        told = [
            f"{h['shard']} ({len(h['documents'])} document{'s' * (len(h['documents']) != 1)}, {h['passages']} passages)"
            if h["status"] == "ok"
            else f"{h['shard']} (not answering: {h['detail']})"
            for h in shards_health(shards)
        ]
        return f"**Loaded:** {len(shards)} shards: {'; '.join(told)}."
    m = read_manifest(index_dir)
    docs = ", ".join(f"{d.doc_id} ({d.passages} passages)" for d in m.documents)
    return f"**Loaded:** {docs}; {m.passages} passages in all."


def _document(index_dir: Path | None, result: Answer | None, shards: list[str] | None = None) -> str:
    """The Document tab: the answer's document with the answer marked, or for a refusal the closest
    passage marked as such; across shards (no `index_dir`), the sentence alone."""
    if index_dir is None:
        return sentence_view_html(result, len(shards))
    index = pipeline_for(index_dir).index
    evidence = (result.evidence or ([result.closest] if result.closest else [])) if result else []
    doc_id = evidence[0].doc_id if evidence else next(iter(index.documents))
    return document_html(doc_id, index.documents[doc_id].text, evidence, answered=bool(result and result.found))


def create_app(index_dir: str | Path | None = None, shards: list[str] | None = None) -> gr.Blocks:
    """Build the Blocks app over `index_dir` (default: the bundled article's index), or across `shards`
    (index folders or docqa servers, qa.shards); a private rebuild answers from its own index."""
    default_dir = None if shards else Path(index_dir) if index_dir else ensure_default_index()
    # load models and index now (the very first run exports the models), not on the first question
    if default_dir:
        pipeline_for(default_dir)
    else:
        shared_reader()

    def ask(question: str, session_dir: str | None, history: list[tuple[str, str]] | None = None) -> Answer:
        try:
            if shards and not session_dir:
                return answer_across(question, shards, history=history)
            return answer(question, index=_active(session_dir, default_dir), history=history)
        except (ValueError, TypeError, DocqaError) as err:
            raise gr.Error(str(err)) from None

    def respond(question, chat, qa_history, session_dir):
        """The page's Send: a bad question is said in a toast, and the conversation and the inputs stay
        as they were (an exception would put every output of the event in an error state)."""
        try:
            result = ask(question, session_dir, qa_history)
        except gr.Error as err:
            gr.Warning(err.message)
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        index_dir = _active(session_dir, default_dir)
        threshold = shared_reader().calibration.threshold  # every index and shard answers with this reader
        chat = [
            *chat,
            {"role": "user", "content": question_html(question)},
            {"role": "assistant", "content": answer_html(result, threshold)},
            {"role": "assistant", "content": sources_html(result), "metadata": {"title": "Sources", "status": "done"}},
        ]
        return chat, "", [*qa_history, (question, result.text)], _document(index_dir, result, shards)

    def ask_api(question, session_dir):
        return asdict(ask(question, session_dir))

    builds = SessionBuilds()

    def rebuild_page(pasted, files, session_dir, request: gr.Request, progress=gr.Progress(track_tqdm=True)):  # noqa: B008
        """The page's Build: what is wrong goes to the status line beside the button; the rest stays."""
        try:
            return rebuild(pasted, files, session_dir, request, progress)
        except gr.Error as err:
            return (*[gr.skip()] * 7, f"Not built: {err.message}")

    def rebuild(pasted, files, session_dir, request: gr.Request, progress=gr.Progress(track_tqdm=True)):  # noqa: B008
        """Build the session's private index; one build per session at a time, which Cancel stops."""
        progress(0, desc="reading documents")
        try:
            with builds.start(request.session_hash) as cancel:
                docs = uploaded_documents(pasted, files)
                progress(0.1, desc="building the index")
                old = session_dir
                new_dir = build_session_index(docs, old, cancel)
        except DocqaError as err:
            raise gr.Error(str(err)) from None
        if old:
            forget(old)
        return str(new_dir), _info(new_dir), [], [], _document(new_dir, None), "", None, f"Built: {len(docs)} document(s)."

    def cancel_build(request: gr.Request) -> str:
        return "Cancelled: the index is as it was." if builds.cancel(request.session_hash) else "No build of yours is running."

    def reset(session_dir):
        if session_dir:
            forget(session_dir)
            remove_session_dir(session_dir)
        told = "Back to the shards." if shards else "Back to the default article."
        return None, _info(default_dir, shards), [], [], _document(default_dir, None, shards), "", None, told

    bundled = _bundled(default_dir)
    with gr.Blocks(title="docqa") as demo:
        session = gr.State(None, time_to_live=SESSION_TTL_S, delete_callback=remove_session_dir)
        qa_history = gr.State([])
        gr.Markdown("# docqa\nAsk questions about the document; answers are extracted from it, with the sentence they come from.")
        info = gr.Markdown(_info(default_dir, shards), elem_id="doc-info")
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(elem_id="chat", height=520, label="Chat")
                with gr.Row():
                    question = gr.Textbox(
                        placeholder=EXAMPLES[0] if bundled else "Ask about the documents",
                        show_label=False,
                        elem_id="question",
                        scale=5,
                        max_length=1000,
                    )
                    send = gr.Button("Send", variant="primary", elem_id="send", scale=1)
                if bundled:  # questions about the bundled article, not about a user's documents
                    gr.Examples(EXAMPLES, inputs=question, label="Try")
            with gr.Column(scale=2), gr.Tabs():
                with gr.Tab("Document"):
                    doc_view = gr.HTML(_document(default_dir, None, shards))
                with gr.Tab("Rebuild from new text"):
                    pasted = gr.Textbox(label="Paste text", lines=8, elem_id="paste")
                    files = gr.File(
                        label=f"or upload {' / '.join(SUFFIXES)} ({MAX_REBUILD_BYTES // 2**20} MB in all, with the pasted text)",
                        file_types=list(SUFFIXES),
                        file_count="multiple",
                        type="filepath",
                        elem_id="upload",
                    )
                    with gr.Row():
                        build = gr.Button("Build index", variant="primary", elem_id="build")
                        stop = gr.Button("Cancel", elem_id="cancel-build")
                        back = gr.Button("Back to the shards" if shards else "Back to the default article", elem_id="reset")
                    status = gr.Markdown(elem_id="build-status")

        send_args = {"fn": respond, "inputs": [question, chat, qa_history, session], "outputs": [chat, question, qa_history, doc_view]}
        send.click(**send_args, api_name="chat").then(fn=None, js=SCROLL_TO_ANSWER)
        question.submit(**send_args, api_visibility="private").then(fn=None, js=SCROLL_TO_ANSWER)
        rebuild_outputs = [session, info, chat, qa_history, doc_view, pasted, files, status]
        # Two builds at a time for everyone (one per session), so a small build is not stuck behind a
        # large one; progress shows in the status line only, not over the chat and the inputs.
        building = {"concurrency_limit": 2, "concurrency_id": "rebuild"}
        build_event = build.click(
            rebuild_page, [pasted, files, session], rebuild_outputs, api_visibility="private", show_progress_on=[status], **building
        )
        stop.click(cancel_build, None, [status], api_visibility="private", cancels=[build_event])
        back.click(reset, [session], rebuild_outputs, api_name="reset")
        chat.clear(lambda: [], None, [qa_history], api_visibility="private")  # the trash button: follow-ups start afresh
        hidden_q = gr.Textbox(visible=False)
        hidden_out = gr.JSON(visible=False)
        hidden_btn = gr.Button(visible=False)
        hidden_btn.click(ask_api, [hidden_q, session], hidden_out, api_name="ask")
        # for programs: the same rebuild, raising its errors (the page shows them in the status line)
        hidden_build = gr.Button(visible=False)
        hidden_build.click(rebuild, [pasted, files, session], rebuild_outputs, api_name="rebuild", **building)

        # what is loaded as of each visit, not as of the start: the index may have been rebuilt, a shard may be down
        def loaded():
            return _info(default_dir, shards), _document(default_dir, None, shards)

        demo.load(loaded, None, [info, doc_view], api_visibility="private")
    demo.queue(default_concurrency_limit=CONCURRENCY)
    return demo


class Server:
    """A running docqa server: the page at /, the JSON API at /api/v1, on uvicorn in a thread."""

    def __init__(self, app, host: str, port: int):
        import threading

        import uvicorn

        self.url = f"http://{host}:{port}/"
        self._server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, name="docqa-server", daemon=True)

    def start(self, timeout: float = 60) -> Server:
        import time

        self._thread.start()
        deadline = time.time() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.time() > deadline:
                raise OSError(f"the server did not start on {self.url}")
            time.sleep(0.05)
        return self

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C stops it)."""
        try:
            self._thread.join()
        except KeyboardInterrupt:
            self.close()

    def close(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)


def create_server(index_dir: str | Path | None = None, shards: list[str] | None = None):
    """The ASGI app: the JSON API (ui.http_api) with the Gradio page mounted at /, over an index or
    across shards."""
    default_dir = None if shards else Path(index_dir) if index_dir else ensure_default_index()
    demo = create_app(default_dir, shards)
    app = api_app(default_dir, shards)
    return gr.mount_gradio_app(app, demo, path="/", css=CSS, max_file_size="10mb", footer_links=["api"])


def launch(
    host: str = "127.0.0.1", port: int = 7860, index_dir: str | Path | None = None, *, shards: list[str] | None = None, block: bool = True
) -> Server:
    """Start the page and the API on host:port, over an index or across shards; blocks until stopped
    unless `block` is False."""
    server = Server(create_server(index_dir, shards), host, port).start()
    if block:
        print(f"docqa is running on {server.url} (the page) and {server.url}api/v1/docs (the API); Ctrl-C stops it")
        for health in shards_health(shards or []):
            state = f"{health['passages']} passages" if health["status"] == "ok" else f"not answering: {health['detail']}"
            print(f"  shard {health['shard']}: {state}")
        server.wait()
    return server
