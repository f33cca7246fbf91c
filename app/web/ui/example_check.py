"""Which example questions to offer: only those groundqa answers from the document they are about.

A question made from a document's row label or heading ("What was Amcor's net sales in the quarter ended …?")
is offered only when asking it gives an answer (outcome `answered`, not related passages or nothing), every
citation is in that document, and the answer is about what was asked (the row label or heading in the answer
or its first citation's section). Asking is cheap (extractive, ~0.1–1 s a question) and done once per corpus:
after indexing (the Documents tab's events refresh the examples) or on the first page load after another
process indexed; the outcome is kept in memory and in `<index>/examples.json`, keyed by the documents, the
model and the answer threshold.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from app.api import GroundQA
from app.errors import USER_ERRORS
from app.settings import LLMSettings
from app.web.html import esc
from app.web.ui.examples import MAX_CANDIDATES, MAX_EXAMPLES, Candidate, example_candidates

__all__ = ["EXAMPLES_FILE", "answers_from", "checked_examples", "corpus_key"]

EXAMPLES_FILE = "examples.json"
"""Where the checked examples of an index folder are kept (beside its generations)."""
HEADING_REACH = 1500
"""How far (characters) the cited text may start after the heading a question asks about: its first paragraphs."""
_LOCK = threading.Lock()
_MEMORY: dict[str, list[str]] = {}
_log = logging.getLogger("groundqa")


def corpus_key(api: GroundQA) -> str:
    """What the checked examples depend on: the documents (ids and titles), the model and the threshold."""
    docs = sorted((d.doc_id, d.title) for d in api.documents())
    basis = json.dumps([docs, api.model_name(), api.settings.answer.threshold], ensure_ascii=True)
    return hashlib.sha256(basis.encode()).hexdigest()[:24]


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def answers_from(ans: Any, cand: Candidate, doc_text: Callable[[str], str] | None = None) -> bool:
    """Whether `ans` answers `cand` from its document: answered, every citation in that document (any one
    document for a corpus-wide question), and about the row label or heading the question asks for — the words in
    the answer, its first citation or that citation's section, or (with `doc_text`) the heading standing in the
    document at most HEADING_REACH characters before the cited text."""
    cites = list(getattr(ans, "citations", []) or [])
    if getattr(ans, "outcome", "") != "answered" or not cites:
        return False
    if cand.doc_id is not None and any(c.doc_id != cand.doc_id for c in cites):
        return False
    if not cand.about:
        return True
    about = _words(cand.about)
    first = cites[0]
    said = " ".join(str(getattr(seg, "text", "")) for seg in (getattr(ans, "segments", []) or [])[:1])
    if any(about in _words(t) for t in (said, getattr(first, "text", "") or "", getattr(first, "section", "") or "")):
        return True
    if doc_text is None:
        return False
    try:
        text = doc_text(first.doc_id)
    except (KeyError, *USER_ERRORS):
        return False
    at = text.rfind(cand.about, 0, first.start + 1)
    return at >= 0 and first.start - at <= HEADING_REACH


def _read(api: GroundQA, key: str) -> list[str] | None:
    try:
        stored = json.loads((api.index_dir / EXAMPLES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("key") != key or not isinstance(stored.get("examples"), list):
        return None
    return [q for q in stored["examples"] if isinstance(q, str)]


def _write(api: GroundQA, key: str, examples: list[str]) -> None:
    path = Path(api.index_dir) / EXAMPLES_FILE
    try:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"key": key, "examples": examples}, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
    except OSError:  # a read-only index folder: the examples are checked again after a restart
        pass


def _check(api: GroundQA, limit: int) -> list[str]:
    """Ask the candidates in order (extractively: an LLM would be slow, and the examples show what is in the
    documents) until `limit` are answered from their documents."""
    settings = replace(api.settings, llm=LLMSettings())
    kept: list[str] = []
    for cand in example_candidates(api, MAX_CANDIDATES):
        try:
            ans = api.ask(cand.question, settings=settings)
        except USER_ERRORS as exc:
            _log.debug("example %r not asked: %s", cand.question, exc)
            continue
        if answers_from(ans, cand, api.doc_text):
            kept.append(cand.question)
            if len(kept) >= limit:
                break
    return kept


def checked_examples(api: GroundQA, limit: int = MAX_EXAMPLES, ask: bool = True) -> list[str]:
    """Up to `limit` example questions that groundqa answers from the documents they are about, best first;
    computed once per corpus (asking at most MAX_CANDIDATES questions). With `ask=False`, only what was
    checked before ([] when the corpus has not been checked yet)."""
    try:
        key = corpus_key(api)
    except USER_ERRORS:
        return []
    with _LOCK:
        if key in _MEMORY:
            return _MEMORY[key][:limit]
        stored = _read(api, key)
        if stored is not None:
            _MEMORY[key] = stored
            return stored[:limit]
        if not ask:
            return []
        kept = _check(api, MAX_EXAMPLES)
        _MEMORY[key] = kept
        _write(api, key, kept)
        return kept[:limit]


def examples_html(api: GroundQA, ask: bool = True) -> str:
    """The example chips (each asks its question when clicked): only questions groundqa answers from the
    document they are about (checked here; with `ask=False` only what was checked before)."""
    try:
        has_docs = bool(api.documents())
    except USER_ERRORS:
        has_docs = False
    qs = checked_examples(api, ask=ask) if has_docs else []
    if not has_docs:
        return '<div class="gq-examples gq-empty">Add documents in the Documents tab, then ask about them.</div>'
    if not qs:
        return '<div class="gq-examples gq-empty"></div>'  # nothing checked yet, or nothing answered: no chips
    chips = "".join(f'<button type="button" class="gq-example" value="{esc(q)}">{esc(q)}</button>' for q in qs)
    return f'<div class="gq-examples"><span class="gq-ex-head">Try asking</span>{chips}</div>'

