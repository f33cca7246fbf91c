"""Numeric match: whether an answer states a reference answer's figure (FinanceBench-style amounts and rates)."""
from __future__ import annotations

import re

CITATION_MARKER = re.compile(r"\[(\d+)\]")
"""A citation marker [n] in an answer (never a stated number)."""
_NUMBER = re.compile(r"(\()?\s*-?\$?\s*(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(\))?\s*(%)?")
_REFERENCE_NUMBER = re.compile(r"^\s*(-)?\s*\$?\s*(-)?\s*(\d[\d,]*(?:\.\d+)?)\s*(%)?")
NUMERIC_TOLERANCE = 0.01
"""A stated number matches a reference figure within 1 % of it (or within the reference's own rounding)."""


def reference_figure(reference: str) -> tuple[float, int, bool] | None:
    """The number a reference answer starts with ("$1577.00", "24.26", "4.2%", "-0.3%"): (value, its decimal
    places, whether it is a percentage); None when the reference does not start with a number."""
    m = _REFERENCE_NUMBER.match(reference or "")
    if not m:
        return None
    digits = m.group(3).replace(",", "")
    value = float(digits) * (-1 if (m.group(1) or m.group(2)) else 1)
    return value, len(digits.split(".")[1]) if "." in digits else 0, bool(m.group(4))


def stated_numbers(text: str) -> list[tuple[float, bool]]:
    """Every number an answer states, with whether it is a percentage: "(1,577)" is negative, citation
    markers [n] are not numbers."""
    out = []
    for m in _NUMBER.finditer(CITATION_MARKER.sub(" ", text or "")):
        raw = m.group(0).strip()
        v = float(m.group(2).replace(",", ""))
        if (m.group(1) and m.group(3)) or raw.startswith("-") or raw.startswith("(-"):
            v = -v
        out.append((v, bool(m.group(4))))
    return out


def numeric_match(reference: str, answer: str) -> bool | None:
    """Whether the answer states the reference's leading number: any stated number within NUMERIC_TOLERANCE of
    it or within half a unit of its last decimal place; a percentage also matches its fraction (4.2% ~ 0.042);
    a positive reference also matches a statement's "(1,577)". None when the reference is not a number.
    (The rule of the project's independent scorer, scorers/numeric.py, so the two agree.)"""
    ref = reference_figure(reference)
    if ref is None:
        return None
    v, places, pct = ref
    tol = max(abs(v) * NUMERIC_TOLERANCE, 0.5 * 10 ** -places if places else 0.5)
    for a, a_pct in stated_numbers(answer):
        cands = [a] if v < 0 else [abs(a)]
        if pct and not a_pct:
            cands.append(a * 100)
        if any(abs(c - v) <= tol for c in cands):
            return True
    return False


FIGURE_KINDS = ("computed", "read-off")
"""How a question's reference figure was obtained (FinanceBench's `meta.justification`): computed from
line items, or read off one line ("directly extracted")."""


def figure_kind(meta: dict | None) -> str | None:
    """"read-off" when the analysts' justification says the figure was directly extracted, "computed" for any
    other justification; None when the set gives none."""
    if not isinstance(meta, dict) or "justification" not in meta:
        return None
    return "read-off" if "directly extracted" in str(meta.get("justification") or "") else "computed"
