"""`groundqa eval` scoring of reference contexts from another extraction (overlap), the scored-count line,
the false-abstention rate and free-text references (issue 25, item 9)."""
from __future__ import annotations

from dataclasses import dataclass, field

from app.evaluation import format_summary
from eval import Question, run_eval

DOC = ("Consolidated Statement of Cash Flows\n\nPurchases of property, plant and equipment (PP&E) were 1,577 "
       "million dollars in 2018, up from 1,373 million in 2017, as the company invested in new plants.\n\n"
       "Dividends paid to shareholders were 3,193 million dollars in 2018.\n")
# The same page as another PDF extractor gives it: words split by stray line breaks and a kerning gap
# ("Cash Flow s"), so it is not in DOC verbatim — but most of its 4-word shingles are.
RE_EXTRACTED = ("Statement of Cash Flow s\nPurchases of property, plant and equipment (PP&E) were 1,577 \nmillion "
                "dollars in 2018, up from 1,373 million in 2017, as the company invested in new plants.")


@dataclass(frozen=True)
class Ex:
    citation: str
    doc: str
    start: int
    end: int
    text: str
    score: float = 1.0


@dataclass
class Ans:
    answer: str
    abstained: bool
    confidence: float
    citations: list = field(default_factory=list)
    retrieved: list = field(default_factory=list)


def ex(text: str, cid: str) -> Ex:
    i = DOC.index(text)
    return Ex(cid, "docs/report.txt", i, i + len(text), text)


CAPEX = "Purchases of property, plant and equipment (PP&E) were 1,577 million dollars in 2018"
DIVIDENDS = "Dividends paid to shareholders were 3,193 million dollars in 2018."
QUESTIONS = [
    Question("q-capex", "What was the 2018 capex?", ["$1577.00"], [RE_EXTRACTED], "report.txt", True),
    Question("q-why", "Why did capex rise?", ["Capex rose because the company invested in new plants that year."],
             [RE_EXTRACTED], "report.txt", True),
    Question("q-none", "What was the weather?", [], [], None, False),
    Question("q-lost", "What of goodwill?", ["x"], ["Goodwill impairment charges were recorded in Europe."],
             "report.txt", True),
    Question("q-gone", "What of the 10-Q?", ["y"], ["Quarterly sales rose."], "other.pdf", True),
]


def fake(question: str) -> Ans:
    if question == "What was the 2018 capex?":  # the evidence passage at rank 2
        return Ans(f"{CAPEX}. [1]", False, 0.9, [ex(CAPEX, "R-1")], [ex(DIVIDENDS, "R-2"), ex(CAPEX, "R-1")])
    if question == "Why did capex rise?":  # a false abstention whose retrieval still found the evidence
        return Ans("Not in the documents.", True, 0.2, [], [ex(CAPEX, "R-1")])
    return Ans("Not in the documents.", True, 0.1, [], [ex(DIVIDENDS, "R-2")])


def test_contexts_from_another_extraction_are_matched_by_overlap_and_counted(tmp_path):
    s = run_eval(QUESTIONS, fake, tmp_path / "run", {"docs/report.txt": DOC}, progress=False)
    assert s.metric_counts["hit@5"] == 2  # today's verbatim rule scores neither
    assert s.metrics["hit@1"] == 0.5 and s.metrics["hit@5"] == 1.0
    assert s.contexts_overlap == 2 and s.contexts_unlocated == 2
    assert s.retrieval_unscored == {"no_contexts": 1, "not_found": 1, "no_source": 1}
    text = format_summary(s)
    assert ("2 of 5 questions (1 no reference contexts; 1 source document not indexed; 1 reference contexts not "
            "found in the document)") in text
    assert "false abstention rate" in text and "0.7500" in text  # 3 of 4 answerable questions abstained


def test_free_text_references_leave_out_exact_match_and_contains(tmp_path):
    s = run_eval(QUESTIONS[:2], fake, tmp_path / "run", {"docs/report.txt": DOC}, progress=False)
    assert s.free_text_references == 1
    assert s.metric_counts["em"] == 1 and s.metric_counts["contains"] == 1 and s.metric_counts["f1"] == 2
    text = format_summary(s)
    assert "1 free-text references (over 5 words) are left out" in text
    only_free = run_eval(QUESTIONS[1:2], fake, tmp_path / "run2", {"docs/report.txt": DOC}, progress=False)
    text = format_summary(only_free)
    assert "em, contains left out" in text and "em (n=" not in text and "contains (n=" not in text
    assert "f1 (n=1)" in text
