"""The hook the LLM support check calls (#32): is a number a model states derivable by the engine from the
table cells its sentence cites? Cells, scale conversions, a row's change over time, two lines of one period,
and the question's own computation count; other numbers, and cells the sentence does not cite, do not."""
from __future__ import annotations

from dataclasses import dataclass

from app.answer.compute.derive import derivable, derivation
from tests.compute_statements import TEXT


@dataclass(frozen=True)
class Cited:
    doc_id: str
    start: int
    end: int


def _span(first: str, last: str) -> Cited:
    start = TEXT.index(first)
    end = TEXT.index(last) + len(last)
    return Cited("doc", start, end)


INCOME = _span("Consolidated Statements of Operations", "Net income | $180 | $128 | $98")
BALANCE = _span("Consolidated Balance Sheets", "Total liabilities and stockholders' equity | $1,500 | $1,400")


def _text(_doc: str) -> str:
    return TEXT


def test_numbers_the_cited_cells_give() -> None:
    assert derivable("1,200", [INCOME], _text)  # a cell
    assert derivable("1.2 billion", [INCOME], _text)  # the cell in the scale the sentence names
    assert derivation("20.0%", [INCOME], _text).expression == "(x1 - x2) / x2"  # revenue growth 2020 → 2021
    assert derivation("15.0%", [INCOME], _text).operands[0].startswith("Net income")  # net margin, one column
    assert derivable("260", [BALANCE], _text)  # working capital: 560 - 300


def test_numbers_the_cited_cells_do_not_give() -> None:
    assert not derivable("21.7%", [INCOME], _text)
    assert not derivable("3.08", [INCOME], _text)  # no pair of one row or one column makes it
    assert not derivable("1.87", [INCOME], _text)  # the current ratio's cells are not cited
    assert not derivable("about", [INCOME], _text) and not derivable("1,200", [], _text)


def test_the_questions_computation_from_cited_cells_only() -> None:
    q = ("What is the FY2021 fixed asset turnover ratio? Fixed asset turnover ratio is defined as: FY2021 revenue / "
         "(average PP&E between FY2020 and FY2021).")
    both = derivation("3.08", [INCOME, BALANCE], _text, q)
    assert both is not None and both.expression == "x1 / avg(x2, x3)"
    assert not derivable("3.08", [INCOME], _text, q)  # PP&E is not cited
