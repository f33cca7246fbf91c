"""Computed answers: a question asking for a figure is answered by computing it from cited cells.

`compute_answer` reads the question (app/answer/compute/question.py), finds the operands in the statements of
the documents the question names — else of the documents of its best passages — and composes the answer: the
formula with every operand cited (one citation per table row, from its header line to the row, like a
table-cell answer), the result, and a `computation` that `app.answer.verify` re-checks cell by cell. A figure
one of whose line items is not found is answered `evidence`: the text names what was not found and shows what
was, the found rows are the related cards, and nothing is guessed. A plain line item ("What was capex in
FY2018?") that no statement holds returns None, so the table-cell and sentence paths can still answer it.
"""
from __future__ import annotations

import bisect
import re
from typing import Callable, Sequence

from app.answer.compute.concepts import asked_concept, concept
from app.answer.compute.lexicon import asked_metric
from app.answer.compute.engine import Result, compute, expression, result_value, unit_of
from app.answer.compute.expr import Item, Pick, Ref
from app.answer.compute.figures import clean_label
from app.answer.compute.operands import Found
from app.answer.compute.compare import read_comparison
from app.answer.compute.question import Request, read_question
from app.answer.compute.render import missing_text, render_computation
from app.answer.compute.sheets import TableSource
from app.answer.cells import cell_text
from app.types import Answer, Citation, Computation, Operand, Segment, render
from index.citations import make_citation_id
from index.query import analyse
from index.types import Excerpt

__all__ = ["compute_answer", "documents_for"]


CiteFn = Callable[..., Citation]


_NAME = re.compile(r"(?<![\w&])[A-Z][\w&.'-]*[A-Za-z]")
_NOT_NAMES = re.compile(r"^(?:FY\d*|Q[1-4]|H[12]|[A-Z&]{2,6}|What|How|Which|Did|Does|Do|Has|Have|Is|Was|Were|Are|The|"
                        r"In|For|Of|Answer|Round|Define|Calculate|Compute|Using|Base|Based|Please|Assume|USD|If|By|"
                        r"From|To|Its|It)$")


def _names(question: str) -> set[str]:
    """Capitalised words of the question that may name a company ("Example", "Corp"; not "FY2019", "EBITDA",
    nor question words)."""
    asked = re.split(r"(?<=[?])\s", question)[0]
    out = set()
    for m in _NAME.finditer(asked):
        w = re.sub(r"(?:'s|')$", "", m.group(0)).rstrip(".")
        if len(w) > 1 and not _NOT_NAMES.match(w) and not asked_concept(w) and not asked_metric(w):
            out.add(w.lower())
    return out


def _company(path: str, title: str) -> set[str]:
    """What names a filing's company: its file name's letters without years and numbers ("mgmresorts k"), and its
    title's part before " — " (titles read "Company — Form 10-K, fiscal year ended …")."""
    stem = re.sub(r"[^a-z]+", " ", re.sub(r"\.[a-z0-9]+$", "", path.lower().rsplit("/", 1)[-1])).split()
    out = {" ".join(stem)} if stem else set()
    head = title.split(" — ")[0].strip().lower() if " — " in title else ""
    if len(re.sub(r"[^a-z]", "", head)) >= 3:
        out.add(head)
    return out


def _siblings(index, docs: list[str]) -> list[str]:
    """The company's other filings in the index (a FY2018 figure asked of a company whose FY2022 10-K routing
    named is in its FY2018 10-K), after the named ones."""
    infos = index.list_documents()
    names = set().union(*(_company(i.path, i.title) for i in infos if i.doc_id in docs))
    return [i.doc_id for i in infos if i.doc_id not in docs and _company(i.path, i.title) & names]


def documents_for(question: str, retriever, excerpts: Sequence[Excerpt], limit: int = 3) -> list[str]:
    """The documents to read operands from: those the question names (best-named first) and the same company's
    other filings, else those of its best passages that hold every name the question uses (a question about a company the documents do not cover is
    never computed from another company's filing)."""
    named = retriever.router().route(analyse(question).text)
    if named:
        docs = [d for d, _ in sorted(named.items(), key=lambda kv: (-kv[1], kv[0]))][:limit]
        return docs + _siblings(retriever.index, docs)
    names = _names(question)
    out = []
    for doc_id in dict.fromkeys(e.doc_id for e in excerpts):
        stored = retriever.index.get_document(doc_id)
        hay = " ".join((retriever.index.document_text(doc_id) or "")[:200_000].lower().split()) + (
            f" {stored.doc.title} {stored.doc.path}".lower() if stored else "")
        if all(n in hay for n in names):
            out.append(doc_id)
    return out[:limit]


def _period(req: Request) -> str:
    if req.op in ("average",) and len(req.years) > 1:
        return f"FY{req.years[0]}–FY{req.years[-1]}"
    if req.op in ("change", "growth", "cagr"):
        return f"FY{req.years[0]} to FY{req.years[-1]}"
    return f"Q{req.quarter} FY{req.year}" if req.quarter else f"FY{req.year}"


def _item_name(it: Item, req: Request) -> str:
    c = concept(it.name)
    what = c.display if c else (it.words or it.name)
    when = f"Q{req.quarter} FY{it.year}" if req.quarter else f"FY{it.year}"
    return f"{what} ({when}{', ' + it.statement if it.statement else ''})"


def _definition(req: Request) -> str:
    if req.source == "question":
        return f"question: {req.definition}"
    if req.source == "lexicon":
        return f"lexicon: {req.definition}"
    if req.source == "template":
        return f"question wording: {req.display}"
    if req.source == "comparison":
        return f"comparison: {req.definition}"
    return "line item"


class _Doc:
    """What a citation needs of a stored document: its path, title, text and page starts."""

    def __init__(self, index, doc_id: str) -> None:
        stored = index.get_document(doc_id)
        self.path = stored.doc.path if stored else doc_id
        self.title = stored.doc.title if stored else ""
        self.text = index.document_text(doc_id) or ""
        self.starts = index.page_starts(doc_id)

    def pages(self, start: int, end: int) -> tuple[int, int] | None:
        if not self.starts:
            return None
        return (max(1, bisect.bisect_right(self.starts, start)),
                max(1, bisect.bisect_right(self.starts, max(start, end - 1))))


def _excerpt(doc: _Doc, doc_id: str, start: int, end: int, section: str = "") -> Excerpt:
    return Excerpt(citation=make_citation_id(doc_id, start, end), doc=doc.path, doc_id=doc_id, title=doc.title,
                   pages=doc.pages(start, end), start=start, end=end, text=doc.text[start:end], score=0.0,
                   section=section)


def _operand(key: str, f: Found, scale: str | None, n: int, req: Request) -> Operand:
    when = f"Q{req.quarter} FY{f.item.year}" if req.quarter else f"FY{f.item.year}"
    return Operand(key=key, name=f.item.name or f.item.words, label=clean_label(f.label.text), period=when,
                   column=" ".join(" ".join(p.text.split()) for p in f.column_parts), text=f.cell.text,
                   value=format(f.value, "f"), scale=scale, magnitude=f.magnitude, citation=n,
                   doc_id=f.sheet.doc_id, parts=tuple((p.start, p.end) for p in (f.label, *f.column_parts, f.cell)),
                   statement=f.sheet.kind)


def compute_answer(question: str, retriever, source: TableSource, excerpts: Sequence[Excerpt],
                   retrieved: Sequence[Excerpt], cite: CiteFn) -> Answer | None:
    """A computed answer (or `evidence` naming a missing operand) for a question asking for a figure, or None
    when the question asks for none (see module docstring). `cite(n, excerpt, start, end, text, column=,
    doc_text=)` makes citation n (the extractive answerer's, so a computed answer's citations read like a
    table-cell answer's)."""
    req = read_question(question) or read_comparison(question)
    if req is None:
        return None
    docs = documents_for(question, retriever, excerpts)
    if not docs:
        return None
    res = compute(req, docs, source)
    if not res.ok:
        if req.lookup or not res.missing:
            return None  # a plain line item no statement holds: the cell and sentence paths may still find it
        return _missing(question, req, res, retriever, retrieved)
    return _compose(question, req, res, retriever, retrieved, cite)


def _compose(question: str, req: Request, res: Result, retriever, retrieved: Sequence[Excerpt],
             cite: CiteFn) -> Answer:
    index = retriever.index
    docs: dict[str, _Doc] = {}
    rows: dict[tuple[str, int], int] = {}  # (doc, row start) → citation number
    spans: dict[int, tuple[str, int, int, int]] = {}
    operands: list[Operand] = []
    for key, f in sorted(res.found.items(), key=lambda kv: int(kv[0][1:])):
        doc_id = f.sheet.doc_id
        row_key = (doc_id, f.row.start)
        start, end = f.span
        if row_key not in rows:
            rows[row_key] = len(rows) + 1
            spans[rows[row_key]] = (doc_id, start, end, f.column)
        else:
            n = rows[row_key]
            d, s, e, c = spans[n]
            spans[n] = (d, min(s, start), max(e, end), c)
        operands.append(_operand(key, f, res.scales.get(key), rows[row_key], req))
    citations: list[Citation] = []
    for n in sorted(spans):
        doc_id, start, end, column = spans[n]
        doc = docs.setdefault(doc_id, _Doc(index, doc_id))
        ex = _excerpt(doc, doc_id, start, end)
        citations.append(cite(n, ex, start, end, doc.text[start:end], column=column, doc_text=doc.text))
    assert res.rounded is not None and res.exact is not None
    same_scale = res.kind != "amount" or res.scale == res.scales.get(res.tree.key if isinstance(res.tree, Ref) else "")
    if isinstance(res.tree, Ref) and req.op == "" and not req.claim and same_scale and not operands[0].magnitude \
            and "%" not in operands[0].text:
        # one cell, nothing to compute: a table-cell answer ("Net income, Year Ended December 31, 2019: 11,588")
        return _cell_answer(question, operands[0], citations, retrieved, docs)
    chosen = ""
    if isinstance(res.tree, Pick):  # which of them: the operand whose value the largest (smallest) is
        values = {k: f.value for k, f in res.found.items()}
        chosen = next(a.key for a in res.tree.args if isinstance(a, Ref) and result_value(
            a, values, res.scales, res.kind, res.scale) == res.exact)
    comp = Computation(figure=req.display, period=_period(req), kind=res.kind, definition=_definition(req),
                       expression=expression(res), operands=tuple(operands), exact=format(res.exact, "f"),
                       result=format(res.rounded, "f"), places=res.places, unit=unit_of(res.kind, res.scale, req.op),
                       scale=res.scale, claim=req.claim, chosen=chosen)
    text = render_computation(comp)
    segments = [Segment(cell_text([docs[o.doc_id].text[a:b] for a, b in o.parts]), o.citation, o.parts)
                for o in operands]
    result_start = text.rfind(" = ") + 3
    return Answer(question=question, answer=text, abstained=False, confidence=0.0,
                  citations=citations, segments=segments, retrieved=list(retrieved),
                  short_answers=[(result_start, len(text))], outcome="answered", computation=comp)


def _cell_answer(question: str, op: Operand, citations: list[Citation], retrieved: Sequence[Excerpt],
                 docs: dict[str, "_Doc"]) -> Answer:
    text = docs[op.doc_id].text
    seg = Segment(cell_text([text[a:b] for a, b in op.parts]), 1, op.parts)
    value = " ".join(op.text.split())
    return Answer(question=question, answer=render([seg]), abstained=False, confidence=0.0,
                  citations=citations, segments=[seg], retrieved=list(retrieved),
                  short_answers=[(len(seg.text) - len(value), len(seg.text))], outcome="answered")


def _missing(question: str, req: Request, res: Result, retriever, retrieved: Sequence[Excerpt]) -> Answer:
    index = retriever.index
    docs: dict[str, _Doc] = {}
    found = list(dict.fromkeys(res.partial))
    operands = [_operand(f"x{i}", f, f.scale, 0, req) for i, f in enumerate(found, start=1)]
    related = []
    for f in found:
        doc = docs.setdefault(f.sheet.doc_id, _Doc(index, f.sheet.doc_id))
        start, end = f.span
        related.append(_excerpt(doc, f.sheet.doc_id, start, end))
    comp = Computation(figure=req.display, period=_period(req), kind=req.kind, definition=_definition(req),
                       expression="", operands=tuple(operands), unit=unit_of(req.kind, req.scale),
                       missing=tuple(dict.fromkeys(_item_name(it, req) for it in res.missing)))
    seen = {(e.doc_id, e.start) for e in related}
    related += [e for e in retrieved if (e.doc_id, e.start) not in seen][:max(0, 3 - len(related))]
    return Answer(question=question, answer=missing_text(comp), abstained=True, confidence=0.0,
                  retrieved=list(retrieved), related=related, outcome="evidence", computation=comp)

