"""Formulas as small trees: numbers, line items at a period, + − × ÷, and averages.

A formula is built by the question reader (app/answer/compute/question.py) or taken from the lexicon
(app/answer/compute/lexicon.py) with leaves that name a line item and a period; once every leaf is a cell, the
tree is written out as an expression over operand ids ("x1 / avg(x2, x3)") that `evaluate` computes in decimal
arithmetic. The expression string is what an answer's `computation` carries, and `parse` reads it back, so
`app.answer.verify` recomputes the result from the operands alone — no `eval`, no floats.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, DivisionByZero, InvalidOperation, localcontext
from typing import Callable, Mapping, Sequence, TypeVar, Union

__all__ = ["Avg", "Bin", "ComputeError", "Item", "Node", "Num", "Pick", "Ref", "climb", "evaluate", "leaves", "parse",
           "to_text", "transform"]


class ComputeError(ValueError):
    """A formula that cannot be computed (division by zero, an unknown operand, a malformed expression)."""


@dataclass(frozen=True)
class Num:
    """A constant of the formula ("365", "100")."""

    value: Decimal


@dataclass(frozen=True)
class Item:
    """A line item at a period, before it is found: `name` is a concept of app/answer/compute/concepts.py (or the
    words the question used when it names none), `year` an absolute fiscal year or None for the asked period,
    `offset` years before that period ("t-1"), `statement` where the question says to read it."""

    name: str
    year: int | None = None
    offset: int = 0
    statement: str | None = None
    words: str = ""
    """The question's own words for it ("PP&E"), for rendering and for label matching when no concept fits."""
    printed: str = ""
    """For a figure read as the filing prints it (a row labelled with the question's words): how its cell must
    read — "%" for a percentage, "amount" for a figure without "%"; "" for any line item."""

    def at(self, year: int) -> "Item":
        """This item at an absolute year (its own year wins; else the asked year less its offset)."""
        return Item(self.name, self.year if self.year is not None else year - self.offset, 0, self.statement,
                    self.words, self.printed)


@dataclass(frozen=True)
class Ref:
    """An operand of a resolved formula: x1, x2, … in the computation's operand list."""

    key: str


@dataclass(frozen=True)
class Bin:
    """left OP right, OP one of + - * / ^."""

    op: str
    left: "Node"
    right: "Node"


@dataclass(frozen=True)
class Avg:
    """The mean of its arguments (an "average of … between FY2018 and FY2019")."""

    args: tuple["Node", ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Pick:
    """The largest ("max") or smallest ("min") of its arguments: which of several figures is the most."""

    fn: str
    args: tuple["Node", ...] = field(default_factory=tuple)


Node = Union[Num, Item, Ref, Bin, Avg, Pick]


def leaves(node: Node) -> list[Item | Ref]:
    """The items (or refs) of a tree, left to right."""
    if isinstance(node, (Item, Ref)):
        return [node]
    if isinstance(node, Bin):
        return leaves(node.left) + leaves(node.right)
    if isinstance(node, (Avg, Pick)):
        return [x for a in node.args for x in leaves(a)]
    return []


def transform(node: Node, fn: Callable[[Item | Ref], Node]) -> Node:
    """The tree with every leaf item or ref replaced by fn(leaf)."""
    if isinstance(node, (Item, Ref)):
        return fn(node)
    if isinstance(node, Bin):
        return Bin(node.op, transform(node.left, fn), transform(node.right, fn))
    if isinstance(node, Avg):
        return Avg(tuple(transform(a, fn) for a in node.args))
    if isinstance(node, Pick):
        return Pick(node.fn, tuple(transform(a, fn) for a in node.args))
    return node


def evaluate(node: Node, values: Mapping[str, Decimal]) -> Decimal:
    """The formula's value with each Ref read from `values` (decimal, 50 digits); ComputeError when it divides by
    zero or names an operand it is not given."""
    with localcontext() as ctx:
        ctx.prec = 50
        ctx.traps[DivisionByZero] = True
        ctx.traps[InvalidOperation] = True
        try:
            return _eval(node, values)
        except (DivisionByZero, InvalidOperation, ZeroDivisionError) as e:
            raise ComputeError("the formula divides by zero") from e


def _eval(node: Node, values: Mapping[str, Decimal]) -> Decimal:
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Ref):
        if node.key not in values:
            raise ComputeError(f"operand {node.key} has no value")
        return values[node.key]
    if isinstance(node, Avg):
        return sum((_eval(a, values) for a in node.args), Decimal(0)) / len(node.args)
    if isinstance(node, Pick):
        vals = [_eval(a, values) for a in node.args]
        return max(vals) if node.fn == "max" else min(vals)
    if isinstance(node, Bin):
        a, b = _eval(node.left, values), _eval(node.right, values)
        if node.op == "^":  # a compound rate's root ("CAGR"): a positive base, a modest exponent
            if a <= 0 or abs(b) > 100:
                raise ComputeError("a growth rate over years needs a positive ratio and a modest exponent")
            return a ** b
        return {"+": a + b, "-": a - b, "*": a * b}[node.op] if node.op != "/" else a / b
    raise ComputeError(f"an unresolved line item in the formula: {node}")


_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 3}


def to_text(node: Node, prec: int = 0) -> str:
    """The expression string of a resolved tree ("x1 / avg(x2, x3)"); `parse` reads it back."""
    if isinstance(node, Num):
        return format(node.value.normalize(), "f")
    if isinstance(node, Ref):
        return node.key
    if isinstance(node, Avg):
        return "avg(" + ", ".join(to_text(a) for a in node.args) + ")"
    if isinstance(node, Pick):
        return node.fn + "(" + ", ".join(to_text(a) for a in node.args) + ")"
    if isinstance(node, Bin):
        p = _PREC[node.op]
        # the right side of - and / binds tighter: a - (b - c) keeps its brackets
        s = f"{to_text(node.left, p)} {node.op} {to_text(node.right, p + 1)}"
        return f"({s})" if p < prec else s
    raise ComputeError(f"an unresolved line item cannot be written out: {node}")


_TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<ref>x\d+)(?![a-z_])|(?P<avg>(?:avg|max|min)(?=\s*\())"
                    r"|(?P<name>[a-z_]+)(?:\[(?P<off>-\d+)\])?|(?P<op>[-+*/(),^]))")
T = TypeVar("T")


def climb(t: Sequence[T], i: int, atom: Callable[[int], tuple[Node, int]], op_at: Callable[[int], str | None],
          level: int = 1) -> tuple[Node, int]:
    """Binary operators by precedence (+ - then * / then ^, each left to right) over any token list: `atom(i)`
    reads one operand at token i, `op_at(i)` says which operator token i is (None: none). Shared by the
    expression strings here, the lexicon's formulas and the question's English formulas."""
    if level > 3:
        return atom(i)
    node, i = climb(t, i, atom, op_at, level + 1)
    while i < len(t) and (op := op_at(i)) is not None and _PREC.get(op) == level:
        right, i = climb(t, i + 1, atom, op_at, level + 1)
        node = Bin(op, node, right)
    return node, i


def parse(text: str, leaf: Callable[[str, int], Node] | None = None) -> Node:
    """Read an expression string written by `to_text` (numbers, x-ids, + - * / ^, brackets, avg/max/min(...));
    with `leaf`, also names (`name` or `name[-1]`, read as leaf(name, years back)): the lexicon's formulas.
    ComputeError when it is anything else."""
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos or (m.group("name") and leaf is None):
            raise ComputeError(f"unreadable expression at {text[pos:pos + 12]!r}")
        kind = "name" if m.group("name") else m.lastgroup or ""
        tokens.append((kind, m.group(kind), -int(m.group("off") or 0)))
        pos = m.end()
    p = _Parser(tokens, leaf)
    node, i = p.expr(0)
    if i != len(tokens):
        raise ComputeError("unreadable expression: text after its end")
    return node


class _Parser:
    def __init__(self, t: list[tuple[str, str, int]], leaf: Callable[[str, int], Node] | None) -> None:
        self.t, self.leaf = t, leaf

    def op_at(self, i: int) -> str | None:
        kind, val, _ = self.t[i]
        return val if kind == "op" and val in _PREC else None

    def expr(self, i: int) -> tuple[Node, int]:
        return climb(self.t, i, self.atom, self.op_at)

    def atom(self, i: int) -> tuple[Node, int]:
        t = self.t
        if i >= len(t):
            raise ComputeError("unreadable expression: it ends early")
        kind, val, off = t[i]
        if kind == "num":
            return Num(Decimal(val)), i + 1
        if kind == "ref":
            return Ref(val), i + 1
        if kind == "name" and self.leaf is not None:
            return self.leaf(val, off), i + 1
        if kind == "avg":
            args: list[Node] = []
            i += 2  # past the name and "("
            while True:
                a, i = self.expr(i)
                args.append(a)
                if i < len(t) and t[i][:2] == ("op", ","):
                    i += 1
                    continue
                if i < len(t) and t[i][:2] == ("op", ")"):
                    return (Avg(tuple(args)) if val == "avg" else Pick(val, tuple(args))), i + 1
                raise ComputeError(f"unreadable expression: {val}( not closed")
        if (kind, val) == ("op", "("):
            node, i = self.expr(i + 1)
            if i >= len(t) or t[i][:2] != ("op", ")"):
                raise ComputeError("unreadable expression: ( not closed")
            return node, i + 1
        if (kind, val) == ("op", "-"):
            node, i = self.atom(i + 1)
            return Bin("-", Num(Decimal(0)), node), i
        raise ComputeError(f"unreadable expression at {val!r}")
