"""Answering across shards: index folders and real docqa servers on loopback, each over a real index;
a front server that asks them all, through its JSON API, its page's API and the CLI."""

import json
import subprocess
import sys
import urllib.request

import pytest
from gradio_client import Client

from qa import answer
from qa.shards import ShardError, answer_across, merge_answers
from ui.replicas import free_port


@pytest.fixture(scope="module")
def story_server_url(story_index):
    """A second shard: a docqa server over the test story's index."""
    from ui.app import launch

    server = launch(port=free_port(), index_dir=story_index, block=False)
    yield server.url
    server.close()


DOWN = f"http://127.0.0.1:{free_port()}"  # a shard whose server is down


@pytest.fixture(scope="module")
def front_url(server_url, story_server_url):
    """A front over two shard servers (the article's and the story's) and one that is down."""
    from ui.app import launch

    server = launch(port=free_port(), shards=[server_url, story_server_url, DOWN], block=False)
    yield server.url
    server.close()


def test_each_answer_comes_from_the_shard_that_holds_it(article_index, story_index):
    shards = [article_index, story_index]
    museum = answer_across("Who founded the Harbour Museum?", shards)
    assert "Ines Calder" in museum.text and museum.shard == str(story_index) and museum.missing == []
    envoy = answer_across("Who is the UN special envoy?", shards)
    alone = answer("Who is the UN special envoy?", index=article_index)
    assert (envoy.text, envoy.score, envoy.evidence) == (alone.text, alone.score, alone.evidence)
    assert envoy.shard == str(article_index)


def test_no_shard_knows_so_the_answer_is_a_refusal_with_the_nearest_passage(article_index, story_index):
    question = "What is the capital of Peru?"
    refusals = [answer(question, index=folder) for folder in (article_index, story_index)]
    assert not any(r.found for r in refusals)
    result = answer_across(question, [article_index, story_index])
    assert not result.found and result.score == min(r.score for r in refusals) and result.closest is not None


def test_the_other_shards_answers_become_runners_up(article_index, story_index):
    """Asked of both, each shard answers with its own traveller; the surer answer wins."""
    question = "Who flew to another city?"
    each = [answer(question, index=folder, top_k=2) for folder in (article_index, story_index)]
    assert all(a.found for a in each), [a.text for a in each]
    merged = merge_answers(each)
    best, other = sorted(each, key=lambda a: -a.score)
    assert merged.text == best.text and other.text in [alt.text for alt in merged.alternatives]
    assert [alt.score for alt in merged.alternatives] == sorted((alt.score for alt in merged.alternatives), reverse=True)


def test_a_shard_that_does_not_answer_is_named_and_the_others_answer(article_index, tmp_path):
    down = f"http://127.0.0.1:{free_port()}"
    result = answer_across("Who is the UN special envoy?", [article_index, tmp_path / "gone", down])
    assert result.text == "Robert Serry"
    assert len(result.missing) == 2 and result.missing[0].startswith(f"{tmp_path / 'gone'}: no index at {tmp_path / 'gone'}: build one")
    assert result.missing[1].startswith(down) and "unreachable" in result.missing[1]
    with pytest.raises(ShardError, match="no shard answered"):
        answer_across("Who is the UN special envoy?", [tmp_path / "gone", down])


def test_a_shard_too_slow_to_answer_is_missing(article_index, monkeypatch):
    """A server that takes the connection and never replies (a node that hangs) holds a question no
    longer than the shard timeout."""
    import socket
    import time

    with socket.socket() as hanging:
        hanging.bind(("127.0.0.1", 0))
        hanging.listen()
        monkeypatch.setenv("DOCQA_SHARD_TIMEOUT", "1.5")
        started = time.perf_counter()
        result = answer_across("Who is the UN special envoy?", [article_index, f"http://127.0.0.1:{hanging.getsockname()[1]}"])
        assert time.perf_counter() - started < 10
    assert result.text == "Robert Serry" and "timed out" in result.missing[0]
    monkeypatch.setenv("DOCQA_SHARD_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="DOCQA_SHARD_TIMEOUT"):
        answer_across("Who?", [article_index])


def test_bad_input_across_shards_is_refused_before_any_shard_is_asked(article_index):
    with pytest.raises(ValueError, match="empty"):
        answer_across("  ", [article_index])
    with pytest.raises(ValueError, match="at least one"):
        answer_across("Who?", [])
    with pytest.raises(ValueError, match="a list"):
        answer_across("Who?", str(article_index))
    with pytest.raises(ValueError, match="top_k"):
        answer_across("Who?", [article_index], top_k=0)


def test_a_front_server_answers_across_shard_servers(front_url, server_url, story_server_url):
    body = json.dumps({"question": "Who founded the Harbour Museum?"}).encode()
    request = urllib.request.Request(front_url + "api/v1/answer", body, {"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        result = json.loads(response.read())
    assert "Ines Calder" in result["text"] and result["shard"] == story_server_url
    assert [m.split(": ")[:2] for m in result["missing"]] == [[DOWN, "unreachable ([Errno 111] Connection refused)"]]
    with urllib.request.urlopen(front_url + "api/v1/health", timeout=60) as response:
        health = json.loads(response.read())
    assert health["status"] == "degraded" and [s["status"] for s in health["shards"]] == ["ok", "ok", "missing"]
    assert "article.txt" in health["documents"] and health["passages"] == sum(s.get("passages", 0) for s in health["shards"])

    configs = {url: urllib.request.urlopen(url + "config", timeout=60).read().decode() for url in (front_url, server_url)}
    # the questions to try are about the bundled article: offered over its index, not over the shards
    assert "Who spoke by phone with whom?" in configs[server_url] and "Who spoke by phone" not in configs[front_url]
    page = Client(front_url, verbose=False)
    chat, _, doc = page.predict("Who is the UN special envoy?", [], api_name="/chat")
    assert "Robert Serry" in str(chat[1]["content"]) and f"Not searched, not answering: {DOWN}" in str(chat[1]["content"])
    assert '<mark class="answer">Robert Serry</mark>' in doc and server_url in doc  # the sentence, under its shard
    # a visitor's own text answers from its own index, and Back returns to the shards
    built = page.predict("The lighthouse on the north quay was lit in 1858.", None, api_name="/rebuild")
    assert "Built: 1 document" in built[-1]
    assert page.predict("When was the lighthouse lit?", api_name="/ask")["text"] == "1858"
    assert page.predict(api_name="/reset")[-1] == "Back to the shards."
    assert page.predict("Who is the UN special envoy?", api_name="/ask")["shard"] == server_url


def test_the_cli_asks_across_shards_and_warns_of_one_that_is_down(server_url, story_index):
    down = f"http://127.0.0.1:{free_port()}"
    shards = ["--shard", server_url, "--shard", str(story_index), "--shard", down]
    docqa = [sys.executable, "-m", "ui", "ask"]
    asked = subprocess.run([*docqa, "Who founded the Harbour Museum?", *shards], capture_output=True, text=True, timeout=300)
    assert asked.returncode == 0, asked.stderr
    assert "Ines Calder" in asked.stdout and f"from {story_index}" in asked.stdout
    assert f"a shard did not answer, its documents were not searched: {down}: unreachable" in asked.stderr
    both = subprocess.run([*docqa, "Who?", "--index", str(story_index), *shards[:2]], capture_output=True, text=True, timeout=300)
    assert both.returncode == 2 and "not both" in both.stderr
