"""The launched web app, driven through its public API with gradio_client (a real server on loopback)."""

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from ui.render import answer_html, document_html
from ui.sessions import sessions_root


@pytest.fixture
def client(server_url):
    return Client(server_url, verbose=False)


def test_api_lists_stable_endpoints(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert {"/ask", "/chat", "/rebuild", "/reset"} <= set(endpoints)


def _session_dirs() -> set[str]:
    return {p.name for p in sessions_root().iterdir()} if sessions_root().exists() else set()


def test_ask_rebuild_ask_reset(client):
    before = _session_dirs()
    first = client.predict("Where will Kerry meet Lavrov tomorrow?", api_name="/ask")
    assert first["text"] == "Rome"
    assert first["evidence"][0]["doc_id"] == "article.txt"

    text = "The Eiffel Tower was completed in 1889. It was designed by the engineering company of Gustave Eiffel."
    out = client.predict(text, None, api_name="/rebuild")
    assert "pasted text" in out[0] and "Built: 1 document" in out[-1]
    new = client.predict("When was the Eiffel Tower completed?", api_name="/ask")
    assert new["text"] == "1889"
    assert new["evidence"][0]["doc_id"] == "pasted text"

    other = Client(client.src, verbose=False)  # another browser session still has the default article
    seen = other.predict("When was the Eiffel Tower completed?", api_name="/ask")
    assert all(e["doc_id"] == "article.txt" for e in seen["evidence"] + ([seen["closest"]] if seen["closest"] else []))

    out = client.predict(api_name="/reset")
    assert "article.txt" in out[0]
    again = client.predict("Where will Kerry meet Lavrov tomorrow?", api_name="/ask")
    assert again["evidence"][0]["doc_id"] == "article.txt"
    assert _session_dirs() == before  # the session's private index was deleted on reset


def test_chat_endpoint_returns_messages_with_sources(client):
    chat, cleared, doc = client.predict("How much financial aid did the EU offer Ukraine?", [], api_name="/chat")
    assert cleared == ""
    assert chat[0]["role"] == "user" and "financial aid" in str(chat[0]["content"])
    assert "11bn" in str(chat[1]["content"])
    assert chat[2]["metadata"]["title"] == "Sources"
    assert '<mark class="answer">' in doc


@pytest.mark.parametrize(("question", "message"), [("", "empty"), ("   ", "empty"), ("x" * 1001, "limit")])
def test_bad_questions_get_a_clear_error(client, question, message):
    with pytest.raises(AppError, match=message):
        client.predict(question, api_name="/ask")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("binary.txt", b"\x00\x01\x02PK\x03\x04" * 10, "binary"),
        ("latin1.txt", "d\u00e9j\u00e0 vu".encode("latin-1"), "not UTF-8"),
        ("picture.png", b"\x89PNG", r"docqa reads \.txt|one of these formats"),
        ("scan.pdf", b"%PDF-1.4 truncated", "not a readable PDF"),
    ],
)
def test_bad_uploads_are_refused(client, tmp_path, name, content, message):
    from gradio_client import handle_file

    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(AppError, match=message):
        client.predict(None, [handle_file(str(path))], api_name="/rebuild")
    assert client.predict("Where will Kerry meet Lavrov tomorrow?", api_name="/ask")["text"] == "Rome"  # nothing lost


def test_markup_in_documents_and_answers_is_escaped():
    html = document_html("<b>x</b>", "<script>alert(1)</script> and <img src=x onerror=alert(2)>", [])
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    from qa.types import Answer, Evidence

    ev = Evidence("d", 0, "<i>Bob</i> wins", 0, 15, 3, 6)
    md = answer_html(Answer("q", "<i>Bob</i>", 0.9, [ev]))
    assert "<i>" not in md and "&lt;i&gt;" in md


def test_a_relation_answer_shows_its_sentence_once_with_both_sides_marked_and_a_low_score_as_a_guess():
    from qa.types import Answer, Evidence

    sentence = "Anna refused to meet Boris today."
    both = [
        Evidence("d", 1, sentence, 8, 8 + len(sentence), 8, 12, "subject"),
        Evidence("d", 1, sentence, 8, 8 + len(sentence), 29, 34, "object"),
    ]
    html = answer_html(Answer("Who refused to meet whom?", "Anna -> Boris", 0.3, both, parts=["Anna", "Boris"]), threshold=0.6)
    assert html.count("<blockquote>") == 1
    assert '<mark class="answer">Anna</mark> refused to meet <mark class="answer">Boris</mark> today.' in html
    assert "a guess" in html and "\n\n" not in html
    assert "a guess" not in answer_html(Answer("Who?", "Anna", 0.9, both[:1]), threshold=0.6)


def test_document_view_marks_both_sides_of_a_relation():
    from qa.types import Evidence

    text = "Intro.\n\nAnna refused to meet Boris today. Other text."
    sentence_start, sentence_end = 8, 8 + len("Anna refused to meet Boris today.")
    evidence = [
        Evidence("d", 1, text[sentence_start:sentence_end], sentence_start, sentence_end, 8, 12, "subject"),
        Evidence("d", 1, text[sentence_start:sentence_end], sentence_start, sentence_end, 29, 34, "object"),
    ]
    html = document_html("d", text, evidence)
    assert '<mark class="answer">Anna</mark>' in html and '<mark class="answer">Boris</mark>' in html
    assert '<mark class="evidence"> refused to meet </mark>' in html
    assert "Other text." in html and "</p><p>" in html


def test_an_uploaded_pdf_is_read_and_its_answers_name_their_page(client, tmp_path):
    from gradio_client import handle_file

    from bench.sample_documents import write_pdf
    from tests.conftest import STORY

    path = tmp_path / "valmora.pdf"
    assert write_pdf(STORY, path, repeat=10) >= 2  # the story ten times over, on more than one page
    out = client.predict(None, [handle_file(str(path))], api_name="/rebuild")
    assert "valmora.pdf" in out[0]
    result = client.predict("Who founded the museum?", api_name="/ask")
    assert "Ines Calder" in result["text"]
    assert result["evidence"][0]["doc_id"] == "valmora.pdf" and result["evidence"][0]["page"] >= 1
    chat, _, _ = client.predict("Who founded the museum?", [], api_name="/chat")
    assert f"page {result['evidence'][0]['page']}" in str(chat[2]["content"])
    client.predict(api_name="/reset")


def _article_text(size: int) -> str:
    from index.build import DEFAULT_DOCUMENT

    article = DEFAULT_DOCUMENT.read_text(encoding="utf-8")
    return "\n\n".join([article] * (size // len(article.encode("utf-8")) + 1))


def test_rebuilds_one_per_session_and_a_small_one_is_not_stuck_behind_a_large_one(server_url):
    import threading
    import time

    large, small = Client(server_url, verbose=False), Client(server_url, verbose=False)
    done: dict[str, float] = {}

    def build_large():
        large.predict(_article_text(300_000), None, api_name="/rebuild")
        done["large"] = time.monotonic()

    thread = threading.Thread(target=build_large)
    thread.start()
    time.sleep(3)  # the large build is embedding
    with pytest.raises(AppError, match="already running"):
        large.predict("The Skerry Light was built in 1858.", None, api_name="/rebuild")
    out = small.predict("The Skerry Light was built in 1858.", None, api_name="/rebuild")
    done["small"] = time.monotonic()
    assert "Built: 1 document" in out[-1]
    thread.join()
    assert done["small"] < done["large"]  # it ran beside the large build, not after it
    assert small.predict("When was the Skerry Light built?", api_name="/ask")["text"] == "1858"
    large.predict(api_name="/reset")
    small.predict(api_name="/reset")


def test_pasted_text_and_files_share_one_size_limit(client, tmp_path):
    from gradio_client import handle_file

    path = tmp_path / "half.txt"
    path.write_text("Harbour records. " * (6 * 2**20 // 17), encoding="utf-8")
    with pytest.raises(AppError, match="over the 10 MB one rebuild may hold"):
        client.predict("Ship logs. " * (5 * 2**20 // 11), [handle_file(str(path))], api_name="/rebuild")
