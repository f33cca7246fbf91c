"""`verify(answer)`: the in-code proof that an answer only quotes its sources."""
from __future__ import annotations

import re
from typing import Callable

from app.types import Answer, Citation, Segment, render
from index.citations import make_citation_id

MARKER = re.compile(r"\[(\d+)\]")
ABSTAIN_TEXT = "The documents do not answer this question."


class VerificationError(AssertionError):
    """An answer that is not fully grounded in its citations."""


def segments(answer_text: str) -> list[tuple[str, int | None]]:
    """Split a plain answer text at its [n] markers (for answers that carry no explicit segments)."""
    out: list[tuple[str, int | None]] = []
    pos = 0
    for m in MARKER.finditer(answer_text):
        out.append((answer_text[pos:m.start()], int(m.group(1))))
        pos = m.end()
    out.append((answer_text[pos:], None))
    return out


def verify(answer: Answer, doc_text: Callable[[str], str]) -> None:
    """Raise VerificationError unless every character outside markers is verbatim cited text.

    Checks: the answer text is exactly its segments, each followed by its marker [n]; each segment
    is non-empty and a substring of citation n's text; every citation is used; each citation's text
    equals its document's canonical text[start:end] and its id is the content-addressed id of that
    span; abstentions cite nothing.
    """
    if answer.abstained:
        if answer.citations or answer.segments:
            raise VerificationError("an abstention must not cite sources")
        return
    if not answer.citations or not answer.segments:
        raise VerificationError("an answer without citations")
    check_citations(answer, doc_text)
    if answer.computation is not None:
        check_computation(answer, doc_text)
    elif answer.answer != render(answer.segments):
        raise VerificationError("the answer text is not exactly its cited segments and markers")
    used = set()
    for seg in answer.segments:
        n = seg.citation
        if not 1 <= n <= len(answer.citations):
            raise VerificationError(f"marker [{n}] names no citation")
        if not seg.text.strip():
            raise VerificationError(f"marker [{n}] follows no text")
        if seg.parts:
            _check_parts(seg, answer.citations[n - 1], doc_text)
        elif seg.text not in answer.citations[n - 1].text:
            raise VerificationError(f"text before [{n}] is not inside its cited span: {seg.text[:60]!r}")
        used.add(n)
    if used != set(range(1, len(answer.citations) + 1)):
        raise VerificationError("every citation must be used by a marker")


def _check_parts(seg: Segment, c: Citation, doc_text: Callable[[str], str]) -> None:
    """A table-cell segment: each part (row label, column label pieces, cell) is a span inside the citation,
    and the segment's text is exactly those spans put together by `cell_text`."""
    from app.answer.cells import cell_text

    text = doc_text(c.doc_id)
    for a, b in seg.parts:
        if not (c.start <= a < b <= c.end):
            raise VerificationError(f"a part of the text before [{seg.citation}] lies outside its cited span")
    if seg.text != cell_text([text[a:b] for a, b in seg.parts]):
        raise VerificationError(f"the table answer before [{seg.citation}] is not its cited row, column and cell")


def check_computation(answer: Answer, doc_text: Callable[[str], str]) -> None:
    """A computed answer: every operand's row label, column label and cell are spans inside the citation it
    names, its cell still prints its value, the expression recomputed from the operands gives the result, and
    the answer text is exactly what the computation renders to; every citation is some operand's."""
    from decimal import Decimal, InvalidOperation

    from app.answer.compute.engine import result_value
    from app.answer.compute.expr import ComputeError, Ref, leaves, parse
    from app.answer.compute.figures import clean_label, operand_value, quantize
    from app.answer.compute.render import render_computation

    comp = answer.computation
    assert comp is not None
    if comp.missing or not comp.result:
        raise VerificationError("a computation with missing operands is no answer")
    values: dict[str, Decimal] = {}
    used: set[int] = set()
    for op in comp.operands:
        if not 1 <= op.citation <= len(answer.citations):
            raise VerificationError(f"operand {op.key} cites no citation [{op.citation}]")
        c = answer.citations[op.citation - 1]
        if c.doc_id != op.doc_id or len(op.parts) < 2:
            raise VerificationError(f"operand {op.key} is not in the document its citation [{op.citation}] cites")
        for a, b in op.parts:
            if not (c.start <= a < b <= c.end):
                raise VerificationError(f"operand {op.key} lies outside its cited span [{op.citation}]")
        text = doc_text(op.doc_id)
        label, *column, cell = [text[a:b] for a, b in op.parts]
        if clean_label(label) != op.label or cell != op.text or " ".join(
                " ".join(p.split()) for p in column) != op.column:
            raise VerificationError(f"operand {op.key} is not its cited row, column and cell")
        try:
            value = Decimal(op.value)
        except InvalidOperation as e:
            raise VerificationError(f"operand {op.key} has no value") from e
        if value != operand_value(cell, op.magnitude):
            raise VerificationError(f"operand {op.key}'s value {op.value} is not what its cell prints ({cell})")
        values[op.key] = value
        used.add(op.citation)
    try:
        tree = parse(comp.expression)
        refs = {x.key for x in leaves(tree) if isinstance(x, Ref)}
        if refs != set(values):
            raise VerificationError("the expression's operands are not the computation's operands")
        exact = result_value(tree, values, {o.key: o.scale for o in comp.operands}, comp.kind, comp.scale)
    except ComputeError as e:
        raise VerificationError(f"the computation cannot be recomputed: {e}") from e
    if comp.chosen:  # a which-of answer names the operand that is the largest (smallest)
        from app.answer.compute.expr import Pick

        scales = {o.key: o.scale for o in comp.operands}
        if not isinstance(tree, Pick) or comp.chosen not in values or result_value(
                Ref(comp.chosen), values, scales, comp.kind, comp.scale) != exact:
            word = "largest" if comp.claim == "max" else "smallest"
            raise VerificationError(f"operand {comp.chosen} is not the {word}")
    if comp.exact and Decimal(comp.exact) != exact:
        raise VerificationError("the exact result is not what the operands give")
    if quantize(exact, comp.places) != Decimal(comp.result):
        raise VerificationError(f"the result {comp.result} is not what the operands give "
                                f"({quantize(exact, comp.places)})")
    if answer.answer != render_computation(comp):
        raise VerificationError("the answer text is not its computation")
    if used != set(range(1, len(answer.citations) + 1)):
        raise VerificationError("every citation must be some operand's")


def check_citations(answer: Answer, doc_text: Callable[[str], str]) -> None:
    """Raise VerificationError unless citations run 1..n and each is its document's text[start:end] under
    the content-addressed id of that span (shared by the extractive and the LLM answer checks)."""
    for i, c in enumerate(answer.citations, start=1):
        if c.number != i:
            raise VerificationError(f"citation numbers must run 1..n, got {c.number} at {i}")
        text = doc_text(c.doc_id)
        if text[c.start:c.end] != c.text:
            raise VerificationError(f"citation [{i}] text differs from {c.doc}[{c.start}:{c.end}]")
        if c.citation != make_citation_id(c.doc_id, c.start, c.end):
            raise VerificationError(f"citation [{i}] id {c.citation} does not match its span")
