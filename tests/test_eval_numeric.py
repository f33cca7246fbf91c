"""Numeric match in batch evaluation (#32): the reference's leading number stated in the answer, within 1 % or
the reference's rounding, a percentage also as its fraction — the rule of the independent scorer
(../shared/scorers/numeric.py), checked to agree with it — split by computed / read-off questions where the
set says so, and over the answers that were computed."""
from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from eval import Question, run_eval
from eval.metrics import figure_kind, numeric_match, reference_figure
from eval.questions import load_questions

CASES = [
    ("$1577.00", "Capital expenditure FY2018 = Purchases of PP&E 1,577 (FY2018) [1] = 1,577 million", True),
    ("$1577.00", "Purchases of property, plant and equipment, 2018: (1,577) [1]", True),  # a statement's outflow
    ("$8.70", "= 8.738 billion", True),  # within 1 %
    ("$8.70", "= 8.79 billion", False),
    ("24.26", "Fixed asset turnover FY2019 = 6,489 [1] ÷ average of 253 [2] and 282 [2] = 24.26", True),
    ("1.9%", "= 0.019", True),  # a percentage matches its fraction
    ("1.9%", "= 1.9%", True),
    ("-0.3%", "= 0.3%", False),  # a negative reference keeps its sign
    ("-0.3%", "= (0.3)%", True),
    ("0.66", "ratio [1] = 0.665", True),  # within half a unit of the reference's last place
    ("0.66", "ratio [1] = 0.67", False),
    ("$0.40", "= 0.389 billion", False),
    ("101.5%", "[1] = 101.5%", True),
    ("Yes, the margin grew", "anything 12", None),  # not a figure reference
    ("400", "[400]", False),  # a citation marker is no number
]


@pytest.mark.parametrize("ref,answer,expected", CASES)
def test_numeric_match(ref: str, answer: str, expected: bool | None) -> None:
    assert numeric_match(ref, answer) is expected


def _shared_scorer():
    path = Path(__file__).resolve().parents[2] / "shared" / "scorers" / "numeric.py"
    if not path.exists():
        pytest.skip("../shared/scorers/numeric.py is not beside the checkout")
    spec = importlib.util.spec_from_file_location("shared_numeric", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def test_agrees_with_the_independent_scorer() -> None:
    shared = _shared_scorer()
    answers = [a for _, a, _ in CASES] + ["", "$(1,577) and 24.3", "5,409 [2] 12.3 % 0.5", "-$12.5 million",
                                          "(3.2%) vs 4%", "0.0425", "1,234.5678"]
    refs = [r for r, _, _ in CASES] + ["$5409.00", "12.3%", "4.25%", "-12.5", "0", "1,234.57", "$ 3.20"]
    for ref in refs:
        assert reference_figure(ref) is None or reference_figure(ref)[:2] == shared.reference_value(ref)[:2]
        for ans in answers:
            assert numeric_match(ref, ans) == shared.matches(ref, ans), (ref, ans)


def test_figure_kind_from_the_sets_justification(tmp_path: Path) -> None:
    assert figure_kind({"justification": "The metric x was directly extracted from the company 10K."}) == "read-off"
    assert figure_kind({"justification": "The metric in question was calculated using other metrics."}) == "computed"
    assert figure_kind({"justification": ""}) == "computed" and figure_kind({}) is None and figure_kind(None) is None
    f = tmp_path / "q.jsonl"
    f.write_text(json.dumps({"id": "a", "question": "q?", "reference_answer": "1",
                             "meta": {"justification": "directly extracted"}}) + "\n", encoding="utf-8")
    qs, _ = load_questions(f)
    assert qs[0].figure_kind == "read-off"


@dataclass
class _Ans:
    answer: str
    abstained: bool
    confidence: float = 0.9
    citations: list = field(default_factory=list)
    retrieved: list = field(default_factory=list)
    computation: object = None


@dataclass
class _Comp:
    result: str

    def to_json(self) -> dict:
        return {"result": self.result, "expression": "x1 / x2"}


def test_summary_splits_numeric_match(tmp_path: Path) -> None:
    qs = [Question("c1", "ratio?", ["24.26"], figure_kind="computed"),
          Question("c2", "margin?", ["1.9%"], figure_kind="computed"),
          Question("r1", "capex?", ["$1577.00"], figure_kind="read-off"),
          Question("r2", "assets?", ["$59268.00"], figure_kind="read-off"),
          Question("t", "why?", ["Because of costs."])]
    answers = {"ratio?": _Ans("= 24.26", False, computation=_Comp("24.26")),
               "margin?": _Ans("= 2.0%", False, computation=_Comp("2.0")),
               "capex?": _Ans("(1,577) [1]", False), "assets?": _Ans("59,268", True), "why?": _Ans("costs", False)}
    s = run_eval(qs, lambda q: answers[q], tmp_path / "run", {}, progress=False)
    assert s.numeric == {"computed": [1, 2], "read-off": [1, 2], "computed answers": [1, 2]}
    assert s.metrics["numeric"] == 0.5 and s.metric_counts["numeric"] == 4  # the abstention states nothing
    rows = [json.loads(line) for line in (tmp_path / "run" / "results.jsonl").read_text().splitlines()]
    assert rows[0]["computation"]["expression"] == "x1 / x2" and rows[0]["figure_kind"] == "computed"
    from app.evaluation import format_summary

    text = format_summary(s)
    assert "numeric, computed (n=2)" in text and "1/2" in text
