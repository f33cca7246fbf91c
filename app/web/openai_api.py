"""groundqa as an OpenAI-compatible model: `POST /v1/chat/completions` (model "groundqa", SSE streaming or not)
and `GET /v1/models`, so chat front-ends that speak OpenAI (Open WebUI, LibreChat, the `openai` client) can use it.

The reply text carries inline [n] markers; the citations are in a top-level `citations` field (and, for a
stream, on its first and last chunks), the rest of groundqa's answer under `groundqa`. The answer is complete
and verified before the first byte is sent: a stream only splits an already checked answer into sentences.
Auth follows the /api rules: with `--auth`, send HTTP Basic credentials, or USER:PASS as the bearer API key.
"""
from __future__ import annotations

import base64
import json
import logging
import re
import time
import uuid
from typing import Any, Sequence

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from app.api import GroundQA
from app.errors import USER_ERRORS
from app.web.http_api import BadRequest, _basic_auth_dependency, _json_body, _text

MODEL_ID = "groundqa"
log = logging.getLogger("groundqa.openai")


def _error(message: str, status: int, kind: str = "invalid_request_error") -> JSONResponse:
    """OpenAI's error shape."""
    return JSONResponse({"error": {"message": " ".join(str(message).split()), "type": kind, "code": status}},
                        status_code=status)


def _question_and_history(body: dict[str, Any]) -> tuple[str, list[str]]:
    """The last user message and the earlier user messages, from chat `messages`."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("'messages' must be a non-empty list of {role, content} objects")
    users: list[str] = []
    for m in messages:
        if not isinstance(m, dict):
            raise BadRequest("each message must be an object with 'role' and 'content'")
        if m.get("role") != "user":
            continue  # system prompts cannot change how groundqa answers; assistant turns are its own
        content = m.get("content")
        if isinstance(content, list):  # [{"type": "text", "text": ...}, ...]
            texts = [p.get("text") for p in content if isinstance(p, dict) and p.get("type") == "text"]
            if not all(isinstance(t, str) for t in texts):
                raise BadRequest("a text part's 'text' must be a string — send "
                                 "{\"type\": \"text\", \"text\": \"...\"}")
            content = " ".join(texts)
        if not isinstance(content, str):
            raise BadRequest("a user message's 'content' must be a string or a list of text parts")
        users.append(_text(content, "a user message's 'content'"))
    if not users:
        raise BadRequest("'messages' holds no user message to answer")
    return users[-1], users[:-1][-10:]


def make_openai_router(api: GroundQA, auth: Sequence[tuple[str, str]] | None = None) -> APIRouter:
    """The /v1 routes over `api`; with `auth`, every route requires the same credentials as /api."""
    router = APIRouter(prefix="/v1")
    checker = _basic_auth_dependency(auth) if auth else None

    async def guard(request: Request) -> JSONResponse | None:
        if checker is None:
            return None
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):  # OpenAI clients send the API key as a bearer token
            header = "Basic " + base64.b64encode(header[7:].strip().encode()).decode()
        try:
            checker(_Headers({"authorization": header}))  # type: ignore[arg-type]
        except BadRequest:
            resp = _error("authentication required — send HTTP Basic credentials, or USER:PASS as the API key",
                          401, "authentication_error")
            resp.headers["WWW-Authenticate"] = 'Basic realm="groundqa"'
            return resp
        return None

    @router.get("/models")
    async def models(request: Request) -> JSONResponse:
        """The one model this server offers."""
        if (denied := await guard(request)) is not None:
            return denied
        return JSONResponse({"object": "list", "data": [
            {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "groundqa"}]})

    @router.post("/chat/completions")
    async def chat(request: Request) -> Any:
        """An answer from the index in chat-completions form, streamed as SSE when `stream` is true."""
        if (denied := await guard(request)) is not None:
            return denied
        try:
            body = await _json_body(request)
            model = body.get("model", MODEL_ID)
            if model != MODEL_ID:
                raise BadRequest(f"model {model!r} does not exist here — use model {MODEL_ID!r}", 404)
            if not isinstance(body.get("stream", False), (bool, type(None))):
                raise BadRequest("'stream' must be true or false")
            question, history = _question_and_history(body)
            ans = await run_in_threadpool(api.ask, question, history)
        except BadRequest as exc:
            return _error(str(exc), exc.status)
        except USER_ERRORS as exc:
            return _error(str(exc), 400)
        except Exception as exc:  # never leak a traceback to a client
            log.exception("internal error in the OpenAI-compatible API")
            return _error(f"internal error ({type(exc).__name__}) — see the server log", 500, "server_error")
        a = ans.to_json()
        citations = a["citations"]
        extra = {k: a[k] for k in ("outcome", "abstained", "confidence", "answerer", "evidence", "unsupported", "related")}
        cid, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
        if not body.get("stream"):
            return JSONResponse({
                "id": cid, "object": "chat.completion", "created": created, "model": MODEL_ID,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": ans.answer},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                "citations": citations, "groundqa": extra})
        return StreamingResponse(_sse(cid, created, ans.answer, citations, extra), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})

    return router


class _Headers:
    """Just enough of a Request for the /api credential check."""

    def __init__(self, headers: dict[str, str]) -> None:
        self.headers = headers


def _pieces(text: str) -> list[str]:
    """The answer in sentence-sized pieces (each piece keeps its markers), for streaming."""
    out, start = [], 0
    for m in re.finditer(r"(?:\[\d+\])+(?= |$)", text):
        out.append(text[start:m.end()])
        start = m.end()
    if start < len(text):
        out.append(text[start:])
    return [p for p in out if p]


def _sse(cid: str, created: int, text: str, citations: list[Any], extra: dict[str, Any]):
    def event(delta: dict[str, Any], finish: str | None, **more: Any) -> str:
        chunk = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
                 "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **more}
        return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"

    yield event({"role": "assistant", "content": ""}, None, citations=citations)
    for piece in _pieces(text):
        yield event({"content": piece}, None)
    yield event({}, "stop", citations=citations, groundqa=extra)
    yield "data: [DONE]\n\n"
