"""A real Chromium (Debian's, driven by Playwright) uses the page as a person would."""

import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and not shutil.which("chromium"), reason="Debian chromium is not installed (make browser)"
    ),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _ask(page, question: str) -> str:
    """Type and send a question; return the text of the reply bubble (each reply is answer + Sources)."""
    bots = page.locator("#chat [data-testid=bot]")
    before = bots.count()
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    page.wait_for_function(f"document.querySelectorAll('#chat [data-testid=bot]').length >= {before + 2}", timeout=60_000)
    return bots.nth(before).inner_text()


def test_ask_in_the_page_then_upload_and_ask_again(browser, server_url, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server_url)
    page.wait_for_selector("#question textarea", timeout=60_000)

    reply = _ask(page, "Who refused to meet whom?")
    answer_line = reply.splitlines()[0]
    assert "Lavrov" in answer_line and "Deshchitsya" in answer_line
    assert answer_line.index("Lavrov") < answer_line.index("Deshchitsya")
    page.wait_for_selector("#doc-view mark.answer")
    page.screenshot(path=str(ARTIFACTS / "answer-who-refused-to-meet-whom.png"), full_page=True)

    doc = tmp_path / "lighthouse.md"
    doc.write_text("# Lighthouse\n\nThe Skerry Light was built in 1858 by the engineer Alan Stevenson.\n", encoding="utf-8")
    page.get_by_role("tab", name="Rebuild from new text").click()
    page.locator("#upload input[type=file]").set_input_files(str(doc))
    page.locator("#build").click()
    page.wait_for_function(
        "document.querySelector('#build-status') && document.querySelector('#build-status').innerText.includes('Built')", timeout=120_000
    )
    assert "lighthouse.md" in page.locator("#doc-info").inner_text()

    reply = _ask(page, "Who built the Skerry Light?")
    assert "Alan Stevenson" in reply.splitlines()[0]
    page.screenshot(path=str(ARTIFACTS / "answer-after-upload.png"), full_page=True)

    _ask(page, "<img src=x onerror=\"document.body.dataset.pwned='1'\">")
    assert page.evaluate("document.body.dataset.pwned") is None  # shown as text, never run
    page.close()


@pytest.fixture
def page(browser, server_url):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server_url)
    page.wait_for_selector("#question textarea", timeout=60_000)
    yield page
    page.close()


def test_an_error_leaves_the_conversation_and_the_inputs_as_they_were(page):
    reply = _ask(page, "Where will Kerry meet Lavrov tomorrow?")
    assert reply.splitlines()[0] == "Rome"
    page.locator("#send").click()  # nothing typed
    page.wait_for_selector("text=the question is empty", timeout=30_000)  # said once, in a toast
    assert "Rome" in page.locator("#chat").inner_text()
    assert page.locator("#chat .error, #question .error, #doc-view .error").count() == 0
    page.get_by_role("tab", name="Rebuild from new text").click()
    page.locator("#build").click()  # nothing to build
    page.wait_for_function("document.querySelector('#build-status').innerText.includes('Not built')", timeout=30_000)
    assert "paste some text" in page.locator("#build-status").inner_text()
    page.get_by_role("tab", name="Document").click()
    reply = _ask(page, "Who is the UN special envoy?")  # typed and clicked as before: nothing is locked
    assert reply.splitlines()[0] == "Robert Serry"
    assert page.locator("#chat [data-testid=bot]").count() == 4 and "Rome" in page.locator("#chat").inner_text()


def test_markup_in_questions_and_documents_is_shown_as_text_and_never_fetched(page):
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.get_by_role("tab", name="Rebuild from new text").click()
    document = (
        "The harbour office of Valmora keeps a map ![map](http://127.0.0.1:9/track-doc.png) of the docks. Its clerk is **Tomas Brevik**."
    )
    page.locator("#paste textarea").fill(document)
    page.locator("#build").click()
    page.wait_for_function("document.querySelector('#build-status').innerText.includes('Built')", timeout=120_000)
    page.get_by_role("tab", name="Document").click()
    reply = _ask(page, "What does the harbour office keep? ![q](http://127.0.0.1:9/track-question.png) <b>bold</b>")
    chat = page.locator("#chat").inner_text()
    assert "![q](http://127.0.0.1:9/track-question.png) <b>bold</b>" in chat  # the question, as typed
    assert "a map ![map](http://127.0.0.1:9/track-doc.png) of the docks" in reply  # the evidence, as written
    assert not [url for url in requests if "track-" in url]
    assert page.locator("#chat img[src*='track-'], #doc-view img").count() == 0


def test_a_refusal_marks_no_answer_in_the_document(page):
    reply = _ask(page, "What is the capital of Australia?")
    assert reply.splitlines()[0] == "The document does not say."
    assert page.locator("#doc-view mark.answer").count() == 0
    assert page.locator("#doc-view mark.closest").count() == 1


def test_clearing_the_chat_forgets_what_follow_ups_refer_to(page):
    _ask(page, "Who is the UN special envoy?")
    page.locator("#chat button[aria-label='Clear']").click()
    page.wait_for_function("document.querySelectorAll('#chat [data-testid=bot]').length == 0", timeout=30_000)
    _ask(page, "Where did he fly to?")
    sources = page.locator("#chat [data-testid=bot]").nth(1)
    sources.click()  # open the collapsed Sources
    assert "read as" not in page.locator("#chat").inner_text()


def test_a_build_can_be_cancelled_and_leaves_everything_as_it_was(page):
    from ui.sessions import sessions_root

    before = set(sessions_root().iterdir()) if sessions_root().exists() else set()
    page.get_by_role("tab", name="Rebuild from new text").click()
    page.locator("#paste textarea").fill("The harbour office keeps the ship logs of Valmora. " * 20_000)  # about 1 MB
    page.locator("#build").click()
    page.wait_for_timeout(3000)  # embedding
    page.locator("#cancel-build").click()
    page.wait_for_function("document.querySelector('#build-status').innerText.includes('Cancelled')", timeout=30_000)
    assert "article.txt" in page.locator("#doc-info").inner_text()
    page.wait_for_timeout(3000)  # the build thread stops at its next batch and removes its folder
    after = set(sessions_root().iterdir()) if sessions_root().exists() else set()
    assert after == before
    page.get_by_role("tab", name="Document").click()
    assert _ask(page, "Where will Kerry meet Lavrov tomorrow?").splitlines()[0] == "Rome"


def test_a_visit_shows_what_is_loaded_now_not_when_the_server_started(browser, tmp_path):
    """The index is rebuilt while the server runs (the CLI or a replica did it): the next visit names the new
    documents above the chat and shows the new document, as the answers already use it."""
    from index import build_index
    from ui.app import launch
    from ui.replicas import free_port

    (tmp_path / "tides.txt").write_text("The tide tables of Valmora are printed every spring by the harbour board.\n", encoding="utf-8")
    (tmp_path / "ferries.txt").write_text("The ferry to Oslo leaves Valmora at noon from the north quay.\n", encoding="utf-8")
    build_index([tmp_path / "tides.txt"], tmp_path / "ix")
    server = launch(port=free_port(), index_dir=tmp_path / "ix", block=False)
    try:
        page = browser.new_page()
        page.goto(server.url)
        page.wait_for_selector("#doc-info:has-text('tides.txt')", timeout=60_000)
        build_index([tmp_path / "ferries.txt"], tmp_path / "ix")
        page.reload()
        page.wait_for_selector("#doc-info:has-text('ferries.txt')", timeout=60_000)
        assert "north quay" in page.locator("#doc-view").inner_text()
        page.close()
    finally:
        server.close()
