"""JSON HTTP API over GroundQA: /api/cite/{id}, /api/quote, /api/ask, /api/documents.

Every failure answers `{"error": "<one line>"}`: 400 for bad input, 404 for a citation that names
nothing in this index, 401 without credentials when the server has auth, 500 (no traceback) for bugs.
"""
from __future__ import annotations

import base64
import binascii
import json
import logging
import math
import secrets
from dataclasses import asdict
from typing import Any, Callable, Sequence

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.api import GroundQA
from app.errors import USER_ERRORS
from index.citations import CitationError, parse_citation_id

MAX_CONTEXT = 5000
"""Largest `context` (characters each side) /api/cite returns; larger requests are capped."""
MAX_BODY_BYTES = 256 * 1024
"""Largest JSON body accepted by the POST routes."""
MAX_QUOTE_LIMIT = 50
MODES = ("hybrid", "dense", "lexical")

log = logging.getLogger("groundqa.http")


class BadRequest(ValueError):
    """A malformed request; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def error(message: str, status: int) -> JSONResponse:
    """The one error shape of this API."""
    return JSONResponse({"error": " ".join(str(message).split())}, status_code=status)


async def _call(fn: Callable[[], Any]) -> JSONResponse:
    """Run a blocking GroundQA call off the event loop and map exceptions to error JSON."""
    try:
        return JSONResponse(await run_in_threadpool(fn))
    except BadRequest as exc:
        return error(str(exc), exc.status)
    except USER_ERRORS as exc:
        return error(str(exc), 400)
    except Exception as exc:  # never leak a traceback to a client
        log.exception("internal error in HTTP API")
        return error(f"internal error ({type(exc).__name__}) — see the server log", 500)


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    x = float(text)
    if not math.isfinite(x):  # 1e400 parses to inf
        raise ValueError(f"{text} is out of range")
    return x


async def _read_limited(request: Request) -> bytes:
    """The body, read as it streams in and refused (413) once over MAX_BODY_BYTES, chunked or not."""
    too_big = BadRequest(f"request body over {MAX_BODY_BYTES // 1024} KiB", 413)
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise too_big
    parts, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:  # stop reading here: never hold more than the limit
            raise too_big
        parts.append(chunk)
    return b"".join(parts)


async def _json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or BadRequest saying what is wrong with it."""
    raw = await _read_limited(request)
    try:
        body = json.loads(raw or b"null", parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise BadRequest("the body is nested too deeply — send a flat JSON object") from None
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the body is not valid JSON — send e.g. {\"question\": \"...\"}") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


def _text(val: str, name: str) -> str:
    """`val`, or BadRequest when it holds a lone surrogate (\\ud800): text that is not Unicode."""
    try:
        val.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest(f"{name} holds an invalid \\u escape (a lone surrogate) — send UTF-8 text") from None
    return val


def _str(body: dict[str, Any], key: str, required: bool = True) -> str:
    val = body.get(key)
    if val is None and not required:
        return ""
    if not isinstance(val, str):
        raise BadRequest(f"{key!r} must be a string")
    return _text(val, repr(key))


def _int(value: Any, name: str, lo: int, hi: int, default: int) -> int:
    if value is None:
        return default
    try:
        n = int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: int(inf)
        raise BadRequest(f"{name} must be an integer") from None
    if isinstance(value, bool) or n < lo:
        raise BadRequest(f"{name} must be an integer ≥ {lo}")
    return min(n, hi)


def _basic_auth_dependency(users: Sequence[tuple[str, str]]) -> Callable[[Request], None]:
    def check(request: Request) -> None:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            try:
                user, _, pw = base64.b64decode(header[6:].strip()).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                user, pw = "", ""
            ok = False
            for u, p in users:  # compare every entry: no early exit on a match
                same_user = secrets.compare_digest(u.encode(), user.encode())
                ok |= same_user & secrets.compare_digest(p.encode(), pw.encode())
            if ok:
                return
        raise BadRequest("authentication required — send HTTP Basic credentials (USER:PASS)", 401)

    return check


def make_router(api: GroundQA, auth: Sequence[tuple[str, str]] | None = None) -> APIRouter:
    """The /api routes over `api`; with `auth`, every route requires HTTP Basic credentials."""
    router = APIRouter(prefix="/api")
    checker = _basic_auth_dependency(auth) if auth else None

    async def guard(request: Request) -> JSONResponse | None:
        if checker is None:
            return None
        try:
            checker(request)
        except BadRequest as exc:
            resp = error(str(exc), exc.status)
            resp.headers["WWW-Authenticate"] = 'Basic realm="groundqa"'
            return resp
        return None

    @router.get("/cite/{citation:path}")
    async def cite(citation: str, request: Request) -> JSONResponse:
        """Resolve a citation id: the cited text, its pages and `context` characters around it."""
        if (denied := await guard(request)) is not None:
            return denied
        raw_context = request.query_params.get("context")

        def run() -> dict[str, object]:
            context = _int(raw_context, "context", 0, MAX_CONTEXT, 300)
            cid = parse_citation_id(citation)  # malformed, '..', slashes, huge offsets: CitationError → 400
            try:
                return api.cite(str(cid), context=context).to_json()
            except CitationError as exc:  # well-formed but names nothing here
                raise BadRequest(str(exc), 404) from None

        return await _call(run)

    async def checked_body(request: Request) -> dict[str, Any] | JSONResponse:
        """The request's JSON body, or the error response (auth, size, malformed JSON) to send instead."""
        if (denied := await guard(request)) is not None:
            return denied
        try:
            return await _json_body(request)
        except BadRequest as exc:
            return error(str(exc), exc.status)

    @router.post("/quote")
    async def quote(request: Request) -> JSONResponse:
        """Where a quote occurs: {"quote": str, "limit": int} → {"matches": [...], "found": bool}."""
        body = await checked_body(request)
        if isinstance(body, JSONResponse):
            return body

        def run() -> dict[str, object]:
            text = _str(body, "quote")
            limit = _int(body.get("limit"), "limit", 1, MAX_QUOTE_LIMIT, 5)
            found = api.quote(text, limit=limit)
            matches = [m.to_json() for m in found]
            out: dict[str, object] = {"matches": matches, "found": bool(matches)}
            if getattr(found, "note", ""):  # the fuzzy stage was skipped or cut short: say so
                out.update(complete=False, note=found.note)
            return out

        return await _call(run)

    @router.post("/ask")
    async def ask(request: Request) -> JSONResponse:
        """A grounded answer: {"question", "history"?, "k"?, "threshold"?, "mode"?} → Answer JSON."""
        body = await checked_body(request)
        if isinstance(body, JSONResponse):
            return body

        def run() -> dict[str, object]:
            question = _str(body, "question")
            history = body.get("history") or []
            if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
                raise BadRequest("'history' must be a list of the previous questions (strings)")
            history = [_text(h, "'history'") for h in history]
            settings = _settings(api, body)
            return api.ask(question, history=history[-10:], settings=settings).to_json()

        return await _call(run)

    @router.get("/documents")
    async def documents(request: Request) -> JSONResponse:
        """The indexed documents: {"documents": [{doc_id, path, title, n_passages, ...}]} (no server paths)."""
        if (denied := await guard(request)) is not None:
            return denied
        return await _call(lambda: {"documents": [public_doc(d) for d in api.documents()]})

    return router


def public_doc(d: Any) -> dict[str, Any]:
    """A document's listing without `source`, its absolute path on the server (not the client's business)."""
    out = asdict(d)
    out.pop("source", None)
    return out


def _settings(api: GroundQA, body: dict[str, Any]):
    """Per-request settings from optional k / threshold / mode fields (None: the api's defaults)."""
    k, threshold, mode = body.get("k"), body.get("threshold"), body.get("mode")
    if k is None and threshold is None and mode is None:
        return None
    k = _int(k, "k", 1, 50, api.settings.retrieval.k) if k is not None else None
    if threshold is not None:
        if (isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not math.isfinite(threshold)
                or not 0 <= threshold <= 1):
            raise BadRequest("'threshold' must be a number between 0 and 1")
    if mode is not None and mode not in MODES:
        raise BadRequest(f"'mode' must be one of {', '.join(MODES)}")
    return api.settings.with_(k=k, threshold=threshold, mode=mode)
