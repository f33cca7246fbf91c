"""JSON endpoints for gradio_client users: ask, search, cite, quote, documents (no components)."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

import gradio as gr

from app.api import GroundQA
from app.errors import USER_ERRORS

MAX_CONTEXT = 5000


def _int(value: object, name: str, lo: int, hi: int) -> int:
    """`value` as an int clamped to lo..hi, or gr.Error for NaN, Infinity and non-numbers."""
    try:
        n = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        raise gr.Error(f"{name} must be a whole number between {lo} and {hi}") from None
    return max(lo, min(n, hi))


def register_endpoints(api: GroundQA) -> None:
    """Register the JSON endpoints inside the current gr.Blocks context."""

    def ask(question: str, history: list[str] | None = None) -> dict[str, Any]:
        """A grounded answer (Answer JSON: answer, abstained, citations with ids, …) or an abstention."""
        try:
            return api.ask(question, history=list(history or [])[-10:]).to_json()
        except USER_ERRORS as exc:
            raise gr.Error(str(exc)) from None

    def search(query: str, k: int = 5) -> list[dict[str, Any]]:
        """Ranked cited excerpts for a query."""
        try:
            return [e.to_json() for e in api.search(query, k=_int(k, "k", 1, 50))]
        except USER_ERRORS as exc:
            raise gr.Error(str(exc)) from None

    def cite(citation: str, context: int = 300) -> dict[str, Any]:
        """Resolve a citation id: text, pages, context before/after, status."""
        try:
            return api.cite(citation, context=_int(context, "context", 0, MAX_CONTEXT)).to_json()
        except USER_ERRORS as exc:
            raise gr.Error(str(exc)) from None

    def quote(text: str, limit: int = 5) -> dict[str, Any]:
        """Where a quote occurs in the documents: {"matches": [...], "found": bool}."""
        try:
            found = api.quote(text, limit=_int(limit, "limit", 1, 50))
        except USER_ERRORS as exc:
            raise gr.Error(str(exc)) from None
        out: dict[str, Any] = {"matches": [m.to_json() for m in found], "found": bool(found)}
        if getattr(found, "note", ""):
            out.update(complete=False, note=found.note)
        return out

    def documents() -> list[dict[str, Any]]:
        """The indexed documents (the path is under "doc": gradio_client treats a "path" key as a file)."""
        try:
            return [{("doc" if k == "path" else k): v for k, v in asdict(d).items() if k != "source"}
                    for d in api.documents()]  # not `source`: the server's absolute path
        except USER_ERRORS as exc:
            raise gr.Error(str(exc)) from None

    for fn in (ask, search, cite, quote, documents):
        gr.api(fn, api_name=fn.__name__)
