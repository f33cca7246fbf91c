"""Example questions for the Chat tab, built from the corpus that is indexed.

The bundled sample report gets hand-written examples, but only while it is all that is indexed; any other
corpus gets questions made from its own content: the key figures in its tables (row labels such as "Net cash
provided by operating activities"), its headings (short lines set apart like titles) and, failing those, the
names its documents mention most — never from boilerplate (forward-looking statements, Part I, exhibit lists,
cover-page check boxes), accession numbers or private-use glyphs. Clicking an example asks it (client script: a `.gq-example` button's value).
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import NamedTuple, Sequence

from app.api import GroundQA
from app.errors import USER_ERRORS
from corpus.boilerplate import is_boilerplate
from corpus.loaders.titles import is_filing_label

SAMPLE_EXAMPLES = [
    "Where was the second summit held?",
    "When did North Korea break off working-level talks?",
    "Who wrote the report?",
]
"""Example questions about the bundled sample report."""
MAX_EXAMPLES = 4
MAX_CANDIDATES = 10
"""Candidate questions asked at most to find MAX_EXAMPLES that groundqa answers (each ask ~0.1–1 s)."""
_SCAN_CHARS = 30_000  # names are looked for in the start of each document
_SCAN_ALL_CHARS = 3_000_000  # headings and table rows: the statements sit deep in a filing
_MAX_HEADINGS = 40
_GENERIC = {"introduction", "conclusion", "conclusions", "abstract", "contents", "table of contents", "references",
            "notes", "acknowledgments", "acknowledgements", "appendix", "summary", "index", "bibliography",
            "business", "overview", "general", "properties", "legal proceedings", "other information", "page",
            "item", "item page", "indicate", "execution copy", "none", "not applicable"}
_NAME = re.compile(r"\b[A-Z][a-z]+(?: (?:of |the |and )?[A-Z][a-z]+)+\b")
_DATEISH = re.compile(r"\d")
_NUMBERING = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[IVX]+\.|[A-Z]\.)\s+")
_ITEM = re.compile(r"^(?:item|note)\s+\d+[A-Z]?\s*[.:\-–—]?\s*", re.I)
_WORDY = re.compile(r"[^\W\d_][\w&'’,\- ()/]*")  # a heading of words, not "% Change"
_CAMEL = re.compile(r"^[A-Za-z][a-z]+[A-Z][a-z]")  # "beginningPage": a field name leaked from the PDF, not a heading
# Words of a table's column headers ("Three Months Ended", "Increase (Decrease)", "Amount Percent"): a line made of
# them is header text, not a heading to ask about.
_HEADER_WORDS = {"three", "six", "nine", "twelve", "months", "month", "weeks", "week", "year", "years", "quarter",
                 "quarters", "ended", "ending", "fiscal", "change", "changes", "increase", "decrease", "amount",
                 "amounts", "percent", "percentage", "total", "in", "millions", "thousands", "billions", "except",
                 "per", "share", "data", "as", "of", "and", "to", "vs", "versus", "prior", "current", "period",
                 "periods", "actual", "reported", "unaudited", "audited", "restated", "favorable", "unfavorable"}
# Row labels an analyst asks about, most asked first: cash flow, revenue, earnings, margins, then totals.
_METRICS = [re.compile(p, re.I) for p in (
    r"net cash (?:provided by|from|generated from)(?: \(used in\))? operating activities|free cash flow"
    r"|cash (?:flows? )?(?:provided by|from) operations",
    r"(?:total )?(?:net )?revenues?|(?:total )?net sales|reported sales|sales to customers|total sales",
    r"net (?:income|earnings)(?: \(loss\))?(?: attributable to .{2,40})?|net (?:loss|income) per share",
    r"operating (?:income|profit)|income from operations",
    r"(?:adjusted )?ebitdar?|(?:adjusted )?operating income",
    r"gross (?:profit|margin)",
    r"(?:diluted )?earnings per (?:common )?share(?: .{0,20})?|(?:adjusted )?eps \(diluted\)",
    r"capital expenditures|(?:purchases of|payments for) property,? (?:plant,? )?and equipment.{0,30}",
    r"total (?:assets|liabilities|(?:stockholders|shareholders)[\'’] equity)|cash and cash equivalents",
    r"total [a-z ,’\']{4,50}",
)]
_FOOTNOTE = re.compile(r"(?<=[a-z)])[\d,*†‡]+$|\s*\(\d\)$")
_CORP_SUFFIX = re.compile(r",?\s+(?:Inc\.?|Corporation|Corp\.?|Company|Co\.|Incorporated|plc|Ltd\.?|LLC|N\.V\.)$")
_STOP_NAMES = re.compile(r"^The |\b(?:Act|Exchange|Commission|President|Officer|Form|Report|Months|Ended|Weeks)\b")


def is_sample_only(paths: Sequence[str]) -> bool:
    """Whether what is indexed is the bundled sample report and nothing else."""
    from app.sample import sample_names

    return bool(paths) and {Path(p).name for p in paths} <= sample_names()


def _titled(line: str) -> bool:
    """Title Case or ALL CAPS: how a new section's heading is set, unlike a bullet in a list."""
    words = [w for w in line.split() if len(w) > 3 and w[0].isalpha()]
    return bool(words) and all(w[0].isupper() for w in words)


def is_header_text(line: str) -> bool:
    """A line of table column headers ("Three Months Ended", "Increase (Decrease)"): most of its words are."""
    words = re.findall(r"[a-z]+", line.lower())
    return bool(words) and sum(w in _HEADER_WORDS for w in words) >= 0.6 * len(words)


def _scan(text: str, title: str = "") -> tuple[list[str], list[str]]:
    """Headings and table row labels outside boilerplate sections, in document order."""
    from app.answer.qtypes import is_byline

    heads: list[str] = []
    rows: list[str] = []
    skipping = False
    pos = 0
    for block in text[:_SCAN_ALL_CHARS].split("\n\n"):
        start, pos = pos, pos + len(block) + 2
        first = block.lstrip()[:200].split("\n", 1)[0]
        if len(first) < 120 and len(first.split()) <= 12 and is_boilerplate(first):
            skipping = True  # a boilerplate heading: what follows belongs to it
            continue
        if " | " in block:
            if not skipping:
                rows += [ln.split(" | ", 1)[0].strip() for ln in block.split("\n") if " | " in ln]
            continue
        line = _ITEM.sub("", _NUMBERING.sub("", block.strip()))  # "2. Dredging programme" → "Dredging programme"
        words = line.split()
        if not (1 <= len(words) <= 9 and 4 <= len(line) <= 70) or "\n" in line:
            continue
        if line.endswith((".", ",", ";", ":", "?", "!")) or line == title.strip() or not line[0].isupper():
            continue
        if skipping and not _titled(line):
            continue  # a list item inside the boilerplate section
        skipping = False
        if (line.lower() in _GENERIC or _DATEISH.search(line) or not _WORDY.fullmatch(line) or _CAMEL.match(line)
                or is_header_text(line) or is_byline(line, start) or is_boilerplate(line)):
            continue
        if len(heads) < _MAX_HEADINGS:
            heads.append(line)
    return heads, rows


def headings(text: str, title: str = "") -> list[str]:
    """Heading-like lines: a short line between blank lines, no closing punctuation, not a date or byline,
    not in a boilerplate section."""
    return _scan(text, title)[0]


def key_row_labels(rows: Sequence[str]) -> list[tuple[str, int]]:
    """Table row labels that name a figure an analyst asks for (cash flow, revenue, net income, totals), with
    their rank, most asked first; footnote marks dropped ("Net earnings1" → "Net earnings")."""
    ranked: dict[str, int] = {}
    seen: set[str] = set()
    for row in rows:
        if len(row) > 80 or row.lower() in seen:
            continue
        seen.add(row.lower())
        label = _FOOTNOTE.sub("", " ".join(row.split())).strip(" :")
        if not label or _DATEISH.search(label):
            continue
        rank = next((i for i, p in enumerate(_METRICS) if p.fullmatch(label)), None)
        if rank is not None and label.lower() not in {k.lower() for k in ranked} and not is_boilerplate(label):
            ranked[label] = rank
    return sorted(ranked.items(), key=lambda kv: kv[1])  # stable: document order within a rank


def _phrase(label: str) -> str:
    """A label as it reads mid-sentence: "LIQUIDITY AND CAPITAL RESOURCES" and "Net Cash Provided" lower-cased,
    acronyms ("EBITDA") and names with inner capitals ("PepsiCo") kept."""
    if label.isupper() and (len(label.split()) > 1 or len(label) > 6):
        return label.lower()
    if _titled(label) and len(label.split()) > 1:
        return " ".join(w.lower() if w[:1].isupper() and w[1:].islower() else w for w in label.split())
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def _subject(title: str) -> tuple[str, str]:
    """("3M", " in fiscal 2022") from "3M Company — Form 10-K, fiscal year ended December 31, 2022";
    ("", "") for a title that is not a filing's."""
    if " — " not in title:
        return "", ""
    company, rest = title.split(" — ", 1)
    while (short := _CORP_SUFFIX.sub("", company)) != company and short:
        company = short
    m = re.search(r"fiscal year ended (\w+) (\d+),? (\d{4})", rest)
    q = re.search(r"quarter ended (.+)$", rest) or re.search(r"\b(Q[1-4] \d{4})\b", rest)
    # A 52/53-week year that ends in the first days of January is named for the year before (J&J's
    # "fiscal 2022" ended January 1, 2023); later January or February ends keep their year (Best Buy's).
    year = int(m.group(3)) - (m.group(1) == "January" and int(m.group(2)) <= 7) if m else 0
    period = f" in fiscal {year}" if m else (f" in the quarter ended {q.group(1)}" if q and "ended" in
                                                    q.group(0) else (f" in {q.group(1)}" if q else ""))
    return company.strip(), period


def nameable(title: str) -> bool:
    """Whether a document title reads as a name in a question: short, not a filer's label ("ADBE 10-K FY22",
    "Q1 2023 8-K - Exhibit 99.1") and not a file name read as words ("JOHNSON JOHNSON 2022Q4 EARNINGS")."""
    letters = [ch for ch in title if ch.isalpha()]
    shouting = bool(letters) and sum(ch.isupper() for ch in letters) > 0.8 * len(letters) and bool(_DATEISH.search(title))
    return bool(title) and len(title) <= 60 and not is_filing_label(title) and not shouting


def _figure_question(label: str, title: str, several: bool) -> str:
    """"What was 3M's net cash provided by operating activities in fiscal 2022?" from a row label."""
    head = re.split(r" (?:of|by|from|in|to|for|attributable|per)\b", label, maxsplit=1)[0]
    verb = "were" if re.search(r"[^su]s$", head) else "was"
    company, period = _subject(title)
    if company:
        owner = company + ("'" if company.endswith("s") else "'s")
        return f"What {verb} {owner} {_phrase(label)}{period}?"
    where = f" in {title}" if several and nameable(title) else ""
    return f"What {verb} {_phrase(label)}{where}?"


def _heading_question(head: str, title: str) -> str:
    company, _ = _subject(title)
    if company:
        return f"What does {company} say about {_phrase(head)}?"
    return f"What does {title} say about {_phrase(head)}?" if nameable(title) else f"What is said about {head}?"


_Facts = tuple[list[tuple[str, int]], list[str], list[str]]
_FACTS: dict[tuple[str, str, str], _Facts] = {}
_FACTS_MAX = 64


def _doc_facts(api: GroundQA, d: object) -> _Facts | None:
    """(key row labels with ranks, headings, names) of one document; cached by content hash, because the
    examples are rebuilt on every page load and scanning a long filing takes tens of milliseconds."""
    key = (d.doc_id, getattr(d, "file_hash", ""), d.title)  # type: ignore[attr-defined]
    if key not in _FACTS:
        try:
            text = api.doc_text(d.doc_id)  # type: ignore[attr-defined]
        except (KeyError, *USER_ERRORS):
            return None
        heads, rows = _scan(text, d.title)  # type: ignore[attr-defined]
        names = [n for n in _NAME.findall(text[:_SCAN_CHARS])
                 if n not in d.title and not _STOP_NAMES.search(n) and not is_boilerplate(n)]  # type: ignore[attr-defined]
        if len(_FACTS) >= _FACTS_MAX:
            _FACTS.clear()
        _FACTS[key] = (key_row_labels(rows), heads, names)
    return _FACTS[key]


class Candidate(NamedTuple):
    """An example question, the document it was made from (None: about the whole corpus) and the words an
    answer to it must be about — the row label or heading it asks for ('' for none)."""

    question: str
    doc_id: str | None
    about: str = ""


def example_candidates(api: GroundQA, limit: int = MAX_CANDIDATES) -> list[Candidate]:
    """Questions about the indexed documents (sample examples only while only the sample is indexed), best
    first: a key figure from each document's tables first, then its headings, then the names it mentions most."""
    try:
        docs = api.documents()
    except USER_ERRORS:
        return []
    if not docs:
        return []
    if is_sample_only([d.path for d in docs]):
        return [Candidate(q, docs[0].doc_id if len(docs) == 1 else None) for q in SAMPLE_EXAMPLES]
    figures: list[list[Candidate]] = []
    asked: set[int] = set()  # metric ranks already asked about: the next document gets another figure
    topics: list[Candidate] = []
    names: Counter[str] = Counter()
    several = len(docs) > 1
    for d in docs[:12]:
        facts = _doc_facts(api, d)
        if facts is None:
            continue
        labels, heads, doc_names = list(facts[0]), facts[1], facts[2]
        labels.sort(key=lambda lr: lr[1] in asked)  # stable: unasked ranks first, each in rank order
        figures.append([Candidate(_figure_question(label, d.title, several), d.doc_id, label)
                        for label, _ in labels[:2]])
        asked.update(rank for _, rank in labels[:1])
        topics += [Candidate(_heading_question(h, d.title), d.doc_id, h) for h in heads[:2]]
        names.update(doc_names)
    # One figure per document first, so the examples spread over the corpus; then topics, second figures.
    out = [f[0] for f in figures if f] + topics[::2] + [f[1] for f in figures if len(f) > 1] + topics[1::2]
    out += [Candidate(f"What do the documents say about {name}?", None, name) for name, _ in names.most_common(limit)]
    # Documents without headings or names: what they are about, by a title that reads as a name.
    out += [Candidate(f"What is {d.title} about?", d.doc_id) for d in docs[:limit] if nameable(d.title)]
    seen: set[str] = set()
    return [c for c in out if not (c.question in seen or seen.add(c.question))][:limit]  # type: ignore[func-returns-value]


def corpus_examples(api: GroundQA, limit: int = MAX_EXAMPLES) -> list[str]:
    """The best candidate questions, unchecked (app.web.ui.example_check keeps those groundqa answers)."""
    return [c.question for c in example_candidates(api, limit)]
