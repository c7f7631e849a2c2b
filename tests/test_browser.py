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
