"""Figures as statements print them, read exactly: "$(1,577)" is -1577, "(Dollars in millions)" is a scale.

Arithmetic is decimal throughout (no binary floats): a figure read from a cell is the Decimal it prints, the
scale of its unit line multiplies it, and a result is rounded half-up to the places asked for. The same
functions read a cell when an answer is composed and when `app.answer.verify` re-reads it, so a tampered
cell or value cannot agree with both.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

__all__ = ["SCALES", "clean_label", "format_figure", "operand_value", "parse_figure", "quantize",
           "scale_of", "scale_word"]

SCALES: dict[str, Decimal] = {"thousands": Decimal(10) ** 3, "millions": Decimal(10) ** 6,
                              "billions": Decimal(10) ** 9}
"""Unit-line words → what one printed unit is worth."""

# "$ (1,577)", "(1,577)", "-1,577", "1,577.5", "12.3 %", "$5,409"; an em dash alone is a blank (nil) cell.
_FIGURE = re.compile(r"^\s*(?P<neg1>[-−–])?\s*\$?\s*(?P<open>\()?\s*(?P<neg2>[-−–])?\s*\$?\s*"
                     r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)\s*\$?\s*(?P<close>\))?\s*(?P<pct>%)?\s*"
                     r"(?P<close2>\))?\s*$")
_SCALE = re.compile(r"\b(?:in |dollars in |amounts in |usd |\$ ?in |\$ )?(thousands|millions|billions)\b", re.I)


def parse_figure(text: str) -> Decimal | None:
    """The value a cell prints, or None when it is no single figure. Parentheses and a leading minus are
    negative; "$", thousands commas and a trailing "%" are dropped (a percentage keeps its printed number:
    "12.3%" → 12.3)."""
    m = _FIGURE.match(text or "")
    if not m:
        return None
    if bool(m.group("open")) != bool(m.group("close") or m.group("close2")):
        return None  # "(1,577" is not a figure
    try:
        v = Decimal(m.group("num").replace(",", ""))
    except InvalidOperation:
        return None
    if m.group("neg1") or m.group("neg2") or m.group("open"):
        v = -v
    return v


def clean_label(label: str) -> str:
    """A row label as an answer shows it: whitespace collapsed, a label the PDF split into cells joined ("Long |
    -term debt" → "Long-term debt"), dot leaders and a trailing colon dropped."""
    s = re.sub(r"\s*\|\s*(?=[-–])", "", " ".join(label.split()))
    s = s.replace(" | ", " ")
    return re.sub(r"\s*(?:[.…·]{3,}.*|:)$", "", s).strip()


def operand_value(cell: str, magnitude: bool) -> Decimal | None:
    """The value a formula reads from a cell: as printed, its magnitude for an outflow read as one, and a
    percentage as a fraction ("21.6%" → 0.216, so a printed rate and a computed one are alike)."""
    v = parse_figure(cell)
    if v is None:
        return None
    if magnitude:
        v = abs(v)
    return v / 100 if "%" in cell else v


def scale_of(text: str) -> str | None:
    """The unit word a unit line or header names ("(Dollars in millions, except per share)" → "millions")."""
    m = _SCALE.search(text or "")
    return m.group(1).lower() if m else None


def scale_word(scale: str | None) -> str:
    """How an answer names a scale: "millions" → "million"; None → ""."""
    return scale[:-1] if scale else ""


def quantize(value: Decimal, places: int) -> Decimal:
    """`value` rounded half-up to `places` decimals (the rounding analysts mean by "round to two places")."""
    with localcontext() as ctx:
        ctx.prec = 50
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_figure(value: Decimal, places: int | None = None) -> str:
    """A figure with thousands commas, a minus sign when negative, and `places` decimals (None: as it is,
    trailing zeros dropped)."""
    if places is not None:
        value = quantize(value, places)
        body = f"{abs(value):,.{places}f}"
    else:
        norm = abs(value).normalize()
        body = f"{norm:,f}"
    return ("-" if value < 0 else "") + body
