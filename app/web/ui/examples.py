"""Example questions for the Chat tab, built from the corpus that is indexed.

The bundled sample report gets hand-written examples, but only while it is all that is indexed; any other
corpus gets questions made from its own headings (short lines set apart like titles) or, failing those,
from the names its documents mention most. Clicking an example asks it (client script: a `.gq-example` button's value).
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Sequence

from app.api import GroundQA
from app.errors import USER_ERRORS
from app.web.html import esc

SAMPLE_EXAMPLES = [
    "Where was the second summit held?",
    "When did North Korea break off working-level talks?",
    "Who wrote the report?",
]
"""Example questions about the bundled sample report."""
MAX_EXAMPLES = 4
_SCAN_CHARS = 30_000  # headings and names are looked for in the start of each document
_GENERIC = {"introduction", "conclusion", "conclusions", "abstract", "contents", "table of contents", "references",
            "notes", "acknowledgments", "acknowledgements", "appendix", "summary", "index", "bibliography"}
_NAME = re.compile(r"\b[A-Z][a-z]+(?: (?:of |the |and )?[A-Z][a-z]+)+\b")
_DATEISH = re.compile(r"\d")
_NUMBERING = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[IVX]+\.|[A-Z]\.)\s+")


def _sample_names() -> set[str]:
    from corpus import SAMPLE_DIR

    return {p.name for p in Path(SAMPLE_DIR).iterdir() if p.is_file()}


def is_sample_only(paths: Sequence[str]) -> bool:
    """Whether what is indexed is the bundled sample report and nothing else."""
    return bool(paths) and {Path(p).name for p in paths} <= _sample_names()


def headings(text: str, title: str = "") -> list[str]:
    """Heading-like lines: a short line between blank lines, no closing punctuation, not a date or byline."""
    from app.answer.qtypes import is_byline

    out = []
    pos = 0
    for block in text[:_SCAN_CHARS].split("\n\n"):
        start, pos = pos, pos + len(block) + 2
        line = _NUMBERING.sub("", block.strip())  # "2. Dredging programme" → "Dredging programme"
        words = line.split()
        if not (1 <= len(words) <= 9 and 4 <= len(line) <= 70) or "\n" in line:
            continue
        if line.endswith((".", ",", ";", ":", "?", "!")) or line == title.strip() or not line[0].isupper():
            continue
        if line.lower() in _GENERIC or _DATEISH.search(line) or is_byline(line, start):
            continue
        out.append(line)
    return out


def corpus_examples(api: GroundQA, limit: int = MAX_EXAMPLES) -> list[str]:
    """Questions about the indexed documents (sample examples only while only the sample is indexed)."""
    try:
        docs = api.documents()
    except USER_ERRORS:
        return []
    if not docs:
        return []
    if is_sample_only([d.path for d in docs]):
        return list(SAMPLE_EXAMPLES)
    out: list[str] = []
    names: Counter[str] = Counter()
    for d in docs[:12]:
        try:
            text = api.doc_text(d.doc_id)
        except (KeyError, *USER_ERRORS):
            continue
        heads = headings(text, d.title)
        if heads:
            out.append(f"What does {d.title} say about {heads[0][0].lower() + heads[0][1:]}?"
                       if len(d.title) <= 60 else f"What is said about {heads[0]}?")
        names.update(n for n in _NAME.findall(text[:_SCAN_CHARS]) if n not in d.title)
    for name, _ in names.most_common(limit):
        out.append(f"What do the documents say about {name}?")
    out += [f"What is {d.title} about?" for d in docs[:limit] if d.title]  # documents without headings or names
    return list(dict.fromkeys(out))[:limit]


def examples_html(api: GroundQA) -> str:
    """The example chips (each asks its question when clicked), or '' when there is nothing indexed."""
    qs = corpus_examples(api)
    if not qs:
        return '<div class="gq-examples gq-empty">Add documents in the Documents tab, then ask about them.</div>'
    chips = "".join(f'<button type="button" class="gq-example" value="{esc(q)}">{esc(q)}</button>' for q in qs)
    return f'<div class="gq-examples"><span class="gq-ex-head">Try asking</span>{chips}</div>'
