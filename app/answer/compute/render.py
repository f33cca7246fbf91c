"""The text of a computed answer, written from its `Computation` alone.

"Fixed asset turnover ratio FY2019 = Total net revenues 6,489 (FY2019) [1] ÷ average of Property and equipment,
net 253 (FY2019) [2] and 282 (FY2018) [2] = 24.26": the figure and period, the formula with every operand as
its row label, its cell and its period followed by its citation marker, then the result in its unit. Both the
composer and `app.answer.verify` call `render_computation`, so an answer whose text differs from what its
computation says fails verification.
"""
from __future__ import annotations

import re
from decimal import Decimal

from app.answer.compute.expr import Avg, Bin, Node, Num, Pick, Ref, parse
from app.answer.compute.figures import format_figure
from app.types import Computation, Operand

__all__ = ["missing_text", "operand_text", "render_computation", "result_text", "verdict"]

# where a column label's period words start: what stands before them names a segment
_PERIOD_START = re.compile(r"(?=\b(?:Three|Six|Nine|Twelve|Thirteen|Years?|Fiscal|Quarters?|As of|At|For the|"
                           r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d|FY|Q[1-4]\b|"
                           r"(?:19|20)\d\d\b))", re.I)
_SYMBOL = {"+": "+", "-": "−", "*": "×", "/": "÷", "^": "^"}
_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 3}


def operand_text(op: Operand, with_marker: bool = True) -> str:
    """"Total net revenues 6,489 (FY2019) [1]": an outflow read as a magnitude drops its brackets."""
    shown = re.sub(r"[()−–-]", "", op.text).strip() if op.magnitude else op.text
    marker = f" [{op.citation}]" if with_marker and op.citation else ""
    return f"{op.label} {' '.join(shown.split())} ({op.period}){marker}"


def _node(node: Node, ops: dict[str, Operand], prec: int = 0) -> str:
    if isinstance(node, Num):
        return format(node.value.normalize(), "f")
    if isinstance(node, Ref):
        return operand_text(ops[node.key])
    if isinstance(node, Avg):
        parts = [_node(a, ops, 3) for a in node.args]
        body = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        return f"average of {body}" if prec < 2 else f"(average of {body})"
    if isinstance(node, Pick):
        return "; ".join(_node(a, ops, 3) for a in node.args)
    if isinstance(node, Bin):
        p = _PREC[node.op]
        # a quotient inside a sum is bracketed too: "(A ÷ B) − (C ÷ D)" reads at a glance
        left, right = _node(node.left, ops, p if p == 2 else 3), _node(node.right, ops, 3 if p < 3 else 4)
        s = f"{left} {_SYMBOL[node.op]} {right}"
        return f"({s})" if p < prec else s
    raise ValueError(f"cannot render {node!r}")


def result_text(comp: Computation) -> str:
    """The result as shown: "24.26", "2.8%", "63.86 days", "3,215 million"; a fraction also as a percentage."""
    value = Decimal(comp.result)
    body = format_figure(value, comp.places)
    if comp.kind == "percent":
        return f"{body} percentage points" if comp.unit == "percentage points" else f"{body}%"
    if comp.kind == "fraction":
        return f"{body} ({format_figure(Decimal(comp.exact) * 100, 1)}%)"
    return f"{body} {comp.unit}".rstrip()


def verdict(comp: Computation) -> str:
    """"Yes" or "No" for a yes/no question: the result's sign against the claim asked about."""
    value = Decimal(comp.result)
    holds = {"increase": value > 0, "positive": value > 0, "decrease": value < 0, "negative": value < 0}[comp.claim]
    return "Yes" if holds else "No"


def _with_steps(tree: Node, comp: Computation, ops: dict[str, Operand]) -> str:
    """The formula's text; when it averages or subtracts per-year ratios ("3-year average margin", "change in the
    tax rate"), each year's ratio is followed by its value ("(2,071 [1] ÷ 9,585 [2] = 21.6%)"), so the reader
    sees the figure for every year."""
    from app.answer.compute.engine import result_value

    parts = tree.args if isinstance(tree, Avg) else (tree.left, tree.right) if isinstance(tree, Bin) and \
        tree.op == "-" else ()
    if not parts or not all(isinstance(p, Bin) and p.op == "/" for p in parts):
        return _node(tree, ops)
    values = {o.key: Decimal(o.value) for o in comp.operands}
    scales = {o.key: o.scale for o in comp.operands}
    kind = "percent" if comp.kind == "percent" else comp.kind

    def step(p: Node) -> str:
        v = result_value(p, values, scales, kind, comp.scale)
        shown = format_figure(v, comp.places) + ("%" if kind == "percent" else "")
        return f"({_node(p, ops)} = {shown})"

    steps = [step(p) for p in parts]
    if isinstance(tree, Avg):
        return "average of " + (", ".join(steps[:-1]) + " and " + steps[-1] if len(steps) > 1 else steps[0])
    return f"{steps[0]} − {steps[1]}"


def render_computation(comp: Computation) -> str:
    """The answer text of a computed figure (see module docstring); a yes/no question's starts with its verdict,
    a which-of question's with the operand that is the largest (or smallest)."""
    ops = {o.key: o for o in comp.operands}
    tree = parse(comp.expression)
    if isinstance(tree, Pick):
        def named(o: Operand) -> str:  # a segment's column names it ("Widgets", "CORPORATE & INVESTMENT BANK …")
            name = _PERIOD_START.split(o.column, maxsplit=1)[0].strip(" ,")
            return f"{name}: {operand_text(o)}" if re.search(r"[A-Za-z]{3}", name) else operand_text(o)

        chosen = ops[comp.chosen]
        others = [named(ops[a.key]) for a in tree.args if isinstance(a, Ref) and a.key != comp.chosen]
        word = "largest" if tree.fn == "max" else "smallest"
        return f"{comp.figure} {comp.period}: {named(chosen)} is the {word}, against " + " and ".join(others)
    body = f"{comp.figure} {comp.period} = {_with_steps(tree, comp, ops)} = {result_text(comp)}"
    return f"{verdict(comp)}: {body}" if comp.claim in ("increase", "decrease", "positive", "negative") else body


def missing_text(comp: Computation) -> str:
    """The text of a figure that could not be computed: what was not found, then what was."""
    head = f"{comp.figure} {comp.period} cannot be computed: not found — {'; '.join(comp.missing)}."
    if not comp.operands:
        return head
    return head + " Found: " + "; ".join(operand_text(o, with_marker=False) for o in comp.operands) + "."
