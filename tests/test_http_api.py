"""The plain JSON API for programs, through real HTTP on loopback (urllib, as any client would)."""

import json
import urllib.error
import urllib.request


def _post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def _get(url: str) -> tuple[int, dict]:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.status, json.loads(response.read())


def test_answer_returns_the_answer_as_json(server_url):
    status, result = _post(server_url + "api/v1/answer", {"question": "Where will Kerry meet Lavrov tomorrow?"})
    assert status == 200 and result["text"] == "Rome"
    ev = result["evidence"][0]
    assert ev["doc_id"] == "article.txt" and "Rome" in ev["sentence"] and ev["page"] is None
    assert 0 < result["score"] <= 1


def test_follow_ups_use_the_history_sent(server_url):
    history = [["Who is the UN special envoy?", "Robert Serry"]]
    status, result = _post(server_url + "api/v1/answer", {"question": "Where did he fly to?", "history": history, "top_k": 2})
    assert status == 200 and result["text"] == "Istanbul"
    assert result["resolved_question"] == "Where did Robert Serry fly to?"


def test_bad_requests_get_a_status_and_a_reason(server_url):
    assert _post(server_url + "api/v1/answer", {"question": "   "}) == (
        400,
        {"detail": "the question is empty: ask something about the document", "max_question_chars": 1000},
    )
    status, body = _post(server_url + "api/v1/answer", {"question": "x" * 1001})
    assert status == 400 and "limit" in body["detail"]
    status, body = _post(server_url + "api/v1/answer", {"history": []})
    assert status == 422 and body["detail"][0]["loc"] == ["body", "question"]
    status, _ = _post(server_url + "api/v1/answer", {"question": "Who?", "top_k": 0})
    assert status == 422


def test_the_api_documents_itself_and_reports_health(server_url):
    status, spec = _get(server_url + "api/v1/openapi.json")
    assert status == 200 and "/api/v1/answer" in spec["paths"]
    assert "question" in json.dumps(spec["components"]["schemas"]["AnswerRequest"])
    with urllib.request.urlopen(server_url + "api/v1/docs", timeout=60) as page:
        assert page.status == 200 and b"swagger" in page.read().lower()
    assert _get(server_url + "api/v1/health") == (200, {"status": "ok", "documents": ["article.txt"], "passages": 9})
