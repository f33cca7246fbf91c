"""From a request to a computed figure: expand the formula, find every operand's cell, compute exactly.

1. Expand: an item that names a lexicon entry (EBITDA inside "EBITDA margin") becomes the question's own
   definition of it when the question gives one, else each of the entry's alternative formulas; a line item
   the question ties to a statement ("D&A (from cash flow statement)") carries that statement.
2. Find: each line item at its year, in the documents the question names (app/answer/compute/operands.py); of
   the alternatives whose items are all found, the one whose cells score best on average (statement, caption,
   label: operands.py) is used, the earlier on a tie; otherwise the result names what is missing.
3. Compute: operands are numbered x1, x2, … in the order they appear, each value times its scale (a table with
   no unit line takes the scale its fellow operands have), the expression evaluated in decimal arithmetic
   (app/answer/compute/expr.py) and rounded half-up to the places asked (else 1 for a percentage, 2 for a
   ratio or days, and for an amount its cells' own places, or 2 when shown in another scale).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Sequence

from app.answer.compute.expr import (Avg, Bin, ComputeError, Item, Node, Num, Pick, Ref, evaluate, leaves, to_text,
                                     transform)
from app.answer.compute.figures import SCALES, quantize
from app.answer.compute.lexicon import AMOUNT, DAYS, PERCENT, formula, metric
from app.answer.compute.operands import Found, find_operand
from app.answer.compute.question import Request
from app.answer.compute.segments import find_segments
from app.answer.compute.sheets import TableSource

__all__ = ["MAX_ALTERNATIVES", "Result", "compute", "default_places", "expand", "result_value", "unit_of"]

MAX_ALTERNATIVES = 8
"""Most alternative formulas tried for one figure (lexicon entries with alternatives multiply)."""


@dataclass
class Result:
    """A computed (or not computable) figure: the resolved tree over Refs, the cells behind each Ref, the exact
    and rounded result; or, when items are missing, what was found and what was not."""

    request: Request
    tree: Node | None = None
    found: dict[str, Found] = field(default_factory=dict)
    scales: dict[str, str | None] = field(default_factory=dict)
    exact: Decimal | None = None
    rounded: Decimal | None = None
    places: int = 0
    scale: str | None = None
    missing: list[Item] = field(default_factory=list)
    partial: list[Found] = field(default_factory=list)
    kind: str = ""
    """How the result reads (the request's, corrected by the formula's dimension: see `kind_of`)."""

    @property
    def ok(self) -> bool:
        """Whether the figure was computed."""
        return self.rounded is not None


def expand(node: Node, req: Request, depth: int = 0) -> list[Node]:
    """The alternatives of a tree with every lexicon entry replaced by its formula (see module docstring)."""
    if depth > 6:
        raise ComputeError("a lexicon entry refers to itself")
    if isinstance(node, Item):
        m = metric(node.name)
        if m is not None and node.year is not None:
            own = req.reader.for_metric(node.name)
            if own:
                alts = [req.reader.definition(own, node.year)]
            else:
                # the figure as the filing prints it ("Adjusted EBITDA", "Effective tax rate") comes first
                printed = [Item("", node.year, 0, node.statement, node.words, "%" if m.kind == PERCENT else "amount")
                           ] if node.words and depth == 0 else []
                alts = printed + [transform(f, lambda leaf, y=node.year: leaf.at(y) if isinstance(leaf, Item) else leaf)
                                  for f in formula(node.name)]
            return [x for a in alts for x in expand(a, req, depth + 1)][:MAX_ALTERNATIVES]
        if node.statement is None and node.name in req.reader.hints:
            return [Item(node.name, node.year, node.offset, req.reader.hints[node.name], node.words)]
        return [node]
    if isinstance(node, Bin):
        return [Bin(node.op, a, b) for a, b in itertools.islice(
            itertools.product(expand(node.left, req, depth), expand(node.right, req, depth)), MAX_ALTERNATIVES)]
    if isinstance(node, Avg):
        combos = itertools.islice(itertools.product(*(expand(a, req, depth) for a in node.args)), MAX_ALTERNATIVES)
        return [Avg(tuple(c)) for c in combos]
    return [node]


def money(node: Node) -> int | None:
    """The formula's power of money: 1 for an amount (a line item; a sum or difference of amounts), 0 for a
    ratio (amount ÷ amount, a printed percentage, a number); None when it mixes them (amount + ratio)."""
    if isinstance(node, Item):
        return 0 if node.printed == "%" else 1
    if isinstance(node, Num):
        return 0
    if isinstance(node, (Avg, Pick)):
        dims = {money(a) for a in node.args}
        return dims.pop() if len(dims) == 1 else None
    if isinstance(node, Bin):
        a, b = money(node.left), money(node.right)
        if a is None or b is None:
            return None
        if node.op in "+-":
            return a if a == b else None
        if node.op == "^":
            return a if b == 0 and a == 0 else None
        return a + b if node.op == "*" else a - b
    return None


def kind_of(tree: Node, asked: str) -> str:
    """The kind a computed figure reads as: an amount when its formula is money (whatever the question's
    wording suggested); otherwise the asked kind, or days for a formula with 365 in it, else a ratio."""
    dim = money(tree)
    if dim == 1:
        return AMOUNT
    if asked != AMOUNT or dim is None:
        return asked
    return DAYS if any(isinstance(x, Num) and x.value in (365, 360) for x in _nums(tree)) else RATIO


def _nums(node: Node) -> list[Num]:
    if isinstance(node, Num):
        return [node]
    if isinstance(node, Bin):
        return _nums(node.left) + _nums(node.right)
    if isinstance(node, (Avg, Pick)):
        return [x for a in node.args for x in _nums(a)]
    return []


def default_places(kind: str, asked: int | None, found: Sequence[Found], converted: bool) -> int:
    """The places a result is rounded to (see module docstring)."""
    if asked is not None:
        return asked
    if kind == PERCENT:
        return 1
    if kind != AMOUNT:
        return 2
    if converted:
        return 2
    return max((len(f.cell.text.split(".")[1].rstrip(")%").strip()) if "." in f.cell.text else 0 for f in found),
               default=0)


def unit_of(kind: str, scale: str | None, op: str = "") -> str:
    """How a result's unit reads: "%" ("percentage points" for a change of a percentage), "days", "million"
    (an amount in millions), or "" for a ratio."""
    if kind == PERCENT:
        return "percentage points" if op == "change" else "%"
    if kind == DAYS:
        return "days"
    if kind == AMOUNT and scale:
        return scale[:-1]
    return ""


def result_value(tree: Node, values: dict[str, Decimal], scales: dict[str, str | None], kind: str,
                 scale: str | None) -> Decimal:
    """The exact result: each operand times its scale, the expression evaluated, then shown as a percentage
    (×100) or an amount in `scale`. Shared with app.answer.verify, which recomputes it from the operands."""
    base = {k: v * SCALES.get(scales.get(k) or "", Decimal(1)) for k, v in values.items()}
    out = evaluate(tree, base)
    if kind == PERCENT:
        return out * 100
    if kind == AMOUNT and scale:
        return out / SCALES[scale]
    return out


def compute(req: Request, docs: Sequence[str], source: TableSource) -> Result:
    """Find the operands of `req` in `docs` and compute it (see module docstring)."""
    res = Result(req)
    if req.op == "segment" and isinstance(req.node, Item):  # which segment: one cell per segment, the largest
        cells = find_segments(req.node, docs, source, req.months)
        if not cells:
            res.missing = [req.node]
            return res
        items = [Item(req.node.name, req.node.year, 0, None, f"{req.node.words} #{i}") for i in range(len(cells))]
        return _finish(res, Pick(req.claim, tuple(items)), items, dict(zip(items, cells)))
    try:
        alternatives = expand(req.node, req)
    except ComputeError:
        return res
    first_missing: list[Item] | None = None
    first_partial: list[Found] = []
    complete: list[tuple[float, int, Node, list[Item], dict[Item, Found]]] = []
    for n, alt in enumerate(alternatives):
        items = list(dict.fromkeys(x for x in leaves(alt) if isinstance(x, Item)))
        found: dict[Item, Found] = {}
        missing: list[Item] = []
        for it in items:
            f = find_operand(it, docs, source, req.statements, req.months)
            if f is None:
                missing.append(it)
            else:
                found[it] = f
        if missing:
            # what is reported missing is the formula's, not the printed figure's that was tried first
            printed = any(x.printed for x in items)
            if first_missing is None or (not printed and any(x.printed for x in first_missing)):
                first_missing, first_partial = missing, list(found.values())
            continue
        # an alternative is as good as its operands' cells (statement, caption, label): the best complete one is
        # used, so a "Gross profit" line of a note does not beat revenue less cost of sales from the statement
        complete.append((sum(f.score for f in found.values()) / len(found), -n, alt, items, found))
    if complete:
        _, _, alt, items, found = max(complete, key=lambda c: c[:2])
        return _finish(res, alt, items, found)
    res.missing = first_missing or []
    res.partial = first_partial
    return res


def _finish(res: Result, alt: Node, items: list[Item], found: dict[Item, Found]) -> Result:
    req = res.request
    # one operand per distinct cell, numbered in order of appearance
    keys: dict[tuple[str, int, int], str] = {}
    by_item: dict[Item, str] = {}
    for it in items:
        f = found[it]
        cell = (f.sheet.doc_id, f.cell.start, int(f.magnitude))
        if cell not in keys:
            keys[cell] = f"x{len(keys) + 1}"
            res.found[keys[cell]] = f
        by_item[it] = keys[cell]
    tree = transform(alt, lambda leaf: Ref(by_item[leaf]) if isinstance(leaf, Item) else leaf)
    known = [f.scale for f in res.found.values() if f.scale]
    common = max(sorted(set(known)), key=known.count) if known else None
    res.scales = {k: f.scale or common for k, f in res.found.items()}
    kind = kind_of(alt, req.kind)
    res.kind = kind
    scale = None
    if kind == AMOUNT:
        scale = req.scale or (common if common != "units" else None)
    res.tree, res.scale = tree, scale
    converted = kind == AMOUNT and scale is not None and scale != common
    res.places = default_places(kind, req.places, list(res.found.values()), converted)
    try:
        res.exact = result_value(tree, {k: f.value for k, f in res.found.items()}, res.scales, kind, scale)
    except ComputeError:
        res.missing = []
        return res
    res.rounded = quantize(res.exact, res.places)
    return res


def expression(res: Result) -> str:
    """The resolved expression string (what the answer's computation carries)."""
    assert res.tree is not None
    return to_text(res.tree)

