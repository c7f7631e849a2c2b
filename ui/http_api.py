"""A plain HTTP JSON API beside the page, for programs: `POST /api/v1/answer` takes a question, the
conversation so far and how many passages to read, and returns the `Answer` as JSON; OpenAPI docs at
`/api/v1/docs`. It answers on the server's index, or across its shards (qa.shards); the page's
private rebuilds are the page's."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from index.errors import DocqaError
from index.store import read_manifest
from qa.api import MAX_QUESTION_CHARS, answer
from qa.shards import answer_across, shards_health


class AnswerRequest(BaseModel):
    """A question, with the conversation so far for follow-ups ("where did he go?")."""

    question: str = Field(description="the question", examples=["Who refused to meet whom?"])
    history: list[tuple[str, str]] = Field(
        default_factory=list, description="(question, answer text) pairs, oldest first: a follow-up's pronouns refer to the latest answer"
    )
    top_k: int | None = Field(default=None, ge=1, le=20, description="passages to retrieve (default: answer()'s)")


def api_app(index_dir: Path | None, shards: list[str] | None = None) -> FastAPI:
    """The FastAPI app holding the API routes, over the index at `index_dir` or across `shards` (index
    folders or docqa servers, qa.shards); the page is mounted on it."""
    app = FastAPI(
        title="docqa",
        summary="Offline question answering over documents",
        docs_url="/api/v1/docs",
        openapi_url="/api/v1/openapi.json",
        redoc_url=None,
    )
    router = APIRouter(prefix="/api/v1")

    @router.post("/answer", summary="Answer a question about the documents")
    def post_answer(request: AnswerRequest) -> dict[str, Any]:
        """The `Answer` (text "" when the document does not say, with the closest passage), or an error
        with status 400 for a bad question (empty, over the length limit) and 503 when the index
        cannot be read."""
        kwargs = {"top_k": request.top_k} if request.top_k else {}
        history = [tuple(h) for h in request.history]
        if shards:
            return asdict(answer_across(request.question, shards, history=history, **kwargs))
        return asdict(answer(request.question, index=index_dir, history=history, **kwargs))

    @router.get("/health", summary="Whether the server answers, and on which documents")
    def health() -> dict[str, Any]:
        """The documents and passage count; across shards, each shard's (or why it cannot say), and
        the documents and passages of those that answered."""
        if shards:
            each = shards_health(shards)
            ok = [h for h in each if h["status"] == "ok"]
            status = "ok" if len(ok) == len(each) else "degraded" if ok else "down"
            documents = [d for h in ok for d in h["documents"]]
            return {"status": status, "documents": documents, "passages": sum(h["passages"] for h in ok), "shards": each}
        manifest = read_manifest(index_dir)
        return {"status": "ok", "documents": [d.doc_id for d in manifest.documents], "passages": manifest.passages}

    app.include_router(router)

    @app.exception_handler(ValueError)
    def bad_question(_, err: ValueError) -> JSONResponse:
        return JSONResponse({"detail": str(err), "max_question_chars": MAX_QUESTION_CHARS}, status_code=400)

    @app.exception_handler(DocqaError)
    def bad_index(_, err: DocqaError) -> JSONResponse:
        return JSONResponse({"detail": str(err)}, status_code=503)

    return app
