"""Analyst questions on filings (#22): questions read without instructions and with line-item synonyms,
tables read back with one label per column, figures answered from the cell under its header, and the
three outcomes (answered / evidence / not_found). PDFs are drawn here with reportlab."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from app.answer.verify import VerificationError, verify
from app.cli import main
from corpus.tables import row_view, table_at
from index.query import analyse
from index.synonyms import SYNONYMS, expansions

reportlab = pytest.importorskip("reportlab")
from reportlab.lib.pagesizes import letter  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

COLS = [300, 360, 440, 500]


def _ebitda_pdf(path: Path) -> Path:
    """A release table with a two-line period header over the years, as earnings releases set it."""
    c = canvas.Canvas(str(path), pagesize=letter)
    c.setFont("Helvetica", 10)
    y = 720
    c.drawString(72, y, "Reconciliation of Net Income to Adjusted EBITDA")
    y -= 16
    c.drawString(72, y, "The table below reconciles net income to Adjusted EBITDA for the periods shown, in millions.")
    y -= 24
    c.drawString(300, y, "Three Months Ended")
    c.drawString(440, y, "Twelve Months Ended")
    y -= 12
    c.drawString(300, y, "December 31,")
    c.drawString(440, y, "December 31,")
    y -= 12
    for x, t in zip(COLS, ["2022", "2021", "2022", "2021"]):
        c.drawString(x, y, t)
    y -= 14
    for label, vals in [("Net revenues", ["3,100", "2,900", "12,400", "11,200"]),
                        ("Net income", ["402", "380", "1,530", "1,410"]),
                        ("Adjusted EBITDA", ["609", "540", "2,117", "2,018"])]:
        c.drawString(72, y, label)
        for x, t in zip(COLS, vals):
            c.drawRightString(x + 30, y, t)
        y -= 14
    c.showPage()
    c.save()
    return path


@pytest.fixture
def ebitda_index(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    _ebitda_pdf(docs / "release.pdf")
    idx = tmp_path / "idx"
    assert main(["index", str(docs), "--index", str(idx), "--model", "fake"]) == 0
    return idx


def _ask(idx: Path, question: str, capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    """`groundqa ask --json`; without `--threshold`, at threshold 0: the most probable candidate is answered, so
    the tests read how a cell answer is composed (the fake embedder's features are not the real model's, so its
    probabilities say nothing)."""
    if "--threshold" not in extra:
        extra = (*extra, "--threshold", "0")
    capsys.readouterr()
    assert main(["ask", question, "--index", str(idx), "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_two_line_header_answers_with_cell_and_column_label(ebitda_index: Path, capsys) -> None:
    ans = _ask(ebitda_index, "What was Adjusted EBITDA for the twelve months ended December 31, 2022?", capsys)
    assert ans["outcome"] == "answered" and not ans["abstained"]
    assert ans["answer"] == "Adjusted EBITDA, Twelve Months Ended December 31, 2022: 2,117 [1]"
    cited = ans["citations"][0]
    # the citation covers the header down to the row, so every part of the answer lies inside it
    assert cited["text"].startswith("Three Months Ended Twelve Months Ended December 31, December 31,\n2022 | 2021")
    assert cited["text"].endswith("Adjusted EBITDA | 609 | 540 | 2,117 | 2,018")
    assert cited["table"]["headers"][2] == "Twelve Months Ended December 31, 2022"
    assert cited["table"]["column"] == 2 and cited["table"]["cells"][2] == "2,117"
    assert [ans["answer"][a:b] for a, b in ans["short_answers"]] == ["2,117"]
    capsys.readouterr()
    assert main(["cite", cited["citation"], "--index", str(ebitda_index), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["text"] == cited["text"]
    assert res["table"]["label"] == "Adjusted EBITDA" and res["table"]["cells"] == ["609", "540", "2,117", "2,018"]
    assert res["table"]["headers"] == ["Three Months Ended December 31, 2022", "Three Months Ended December 31, 2021",
                                       "Twelve Months Ended December 31, 2022", "Twelve Months Ended December 31, 2021"]
    capsys.readouterr()
    assert main(["cite", cited["citation"], "--index", str(ebitda_index)]) == 0
    text = capsys.readouterr().out  # the CLI shows the row under its header labels, aligned
    assert "Twelve Months Ended December 31, 2022" in text and "Adjusted EBITDA" in text


def test_year_question_reads_the_full_year_and_quarter_question_the_quarter(ebitda_index: Path, capsys) -> None:
    year = _ask(ebitda_index, "What was Adjusted EBITDA in FY2022? Answer in USD millions.", capsys)
    assert year["answer"] == "Adjusted EBITDA, Twelve Months Ended December 31, 2022: 2,117 [1]"
    quarter = _ask(ebitda_index, "What were net revenues in the fourth quarter of 2021?", capsys)
    assert quarter["answer"] == "Net revenues, Three Months Ended December 31, 2021: 2,900 [1]"


def test_a_tampered_cell_answer_fails_verification(tmp_path: Path) -> None:
    from app.api import GroundQA
    from index.embed import FakeEmbedder

    docs = tmp_path / "docs"
    docs.mkdir()
    _ebitda_pdf(docs / "release.pdf")
    api = GroundQA(tmp_path / "idx", embedder=FakeEmbedder(64))
    api.index([docs])
    ans = api.ask("What was Adjusted EBITDA in 2022?", settings=api.settings.with_(threshold=0.0))
    assert ans.segments[0].parts
    text = api.doc_text(ans.citations[0].doc_id)
    verify(ans, lambda _d: text)  # as built, it proves itself
    seg = ans.segments[0]
    bad = replace(ans, segments=[replace(seg, text=seg.text.replace("2,117", "2,018"))])
    bad.answer = bad.answer.replace("2,117", "2,018")
    with pytest.raises(VerificationError):
        verify(bad, lambda _d: text)
    outside = replace(ans, segments=[replace(seg, parts=((0, 5),) + seg.parts[1:])])
    with pytest.raises(VerificationError):
        verify(outside, lambda _d: text)


def test_evidence_outcome_when_no_sentence_states_it(tmp_path: Path, capsys) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "margins.md").write_text(
        "# Operating Review\n\nOperating margin pressure this year came from freight costs, which drove a change "
        "in pricing, and the exit of the vaccine business.\n\n# Community\n\nThe company sponsors local football clubs and "
        "libraries.\n", encoding="utf-8")
    idx = tmp_path / "idx"
    assert main(["index", str(docs), "--index", str(idx), "--model", "fake"]) == 0
    # threshold 1: no sentence is confident enough, so the answer is the related passages or nothing
    ans = _ask(idx, "What drove the operating margin change this year?", capsys, "--threshold", "1")
    assert ans["outcome"] == "evidence" and ans["abstained"]
    assert ans["answer"] == "No sentence states this directly; the most relevant passages are:"
    assert ans["citations"] == [] and "Operating margin pressure" in ans["related"][0]["text"]
    off = _ask(idx, "Who won the 2022 FIFA World Cup in Qatar?", capsys, "--threshold", "1")
    assert off["outcome"] == "not_found" and off["abstained"]


def test_instructions_leave_the_retrieval_query() -> None:
    q = analyse("Assume that you are a public equities analyst. Answer the following question by primarily using "
                "information that is shown in the balance sheet: what is the year end FY2018 net PPNE for 3M? "
                "Answer in USD billions.")
    assert q.text == "what is the year end 2018 net PPNE for 3M?"  # statements print the year, not "FY2018"
    assert "balance sheet" in q.lexical and "property, plant and equipment, net" in q.lexical
    assert any("Answer in USD billions" in i for i in q.instructions)
    q2 = analyse("What drove operating margin change as of FY2022 for 3M? If operating margin is not a useful "
                 "metric for a company like this, then please state that and explain why.")
    assert q2.text == "What drove operating margin change as of 2022 for 3M?"
    assert analyse("What is the FY2018 capital expenditure amount (in USD millions) for 3M?").text == \
        "What is the 2018 capital expenditure amount for 3M?"
    assert analyse("Where was the second summit held?").text == "Where was the second summit held?"
    assert analyse("Answer in USD millions.").text == "Answer in USD millions."  # all instruction: kept whole


SYNONYM_EXAMPLES = [
    ("What is the FY2018 capex for 3M?", "purchases of property, plant and equipment"),
    ("What is net PP&E at year end?", "property, plant and equipment, net"),
    ("What was total revenue growth?", "net sales"),
    ("What was D&A in 2022?", "depreciation and amortization"),
    ("What was diluted EPS?", "earnings per share"),
    ("What was the net profit?", "net income"),
    ("Did operating margin improve?", "income from operations"),
    ("What was COGS?", "cost of sales"),
    ("What were SG&A expenses?", "selling, general and administrative expenses"),
    ("What was operating cash flow?", "net cash provided by operating activities"),
    ("What was free cash flow?", "net cash provided by operating activities"),
    ("Is working capital positive?", "total current assets"),
    ("What is the inventory turnover?", "inventories"),
    ("How did the effective tax rate change?", "provision for income taxes"),
    ("Did the company increase its debt?", "long-term debt"),
    ("Were dividends paid in Q2?", "cash dividends paid"),
    ("What is the EBITDA margin?", "depreciation and amortization"),
    ("Is it capital-intensive?", "total assets"),
    ("What was the largest liability?", "total liabilities"),
    ("What is the book value?", "total shareholders' equity"),
    ("How much were buybacks?", "repurchases of common stock"),
    ("What is the restructuring liability?", "restructuring reserve"),
    ("Which segment grew fastest?", "reportable segments"),
    ("What was organic growth?", "organic sales growth"),
    ("What is the headcount?", "full-time"),
]


def test_every_synonym_entry_has_a_tested_example() -> None:
    assert len(SYNONYM_EXAMPLES) == len(SYNONYMS)


@pytest.mark.parametrize("question,words", SYNONYM_EXAMPLES)
def test_line_item_synonyms_reach_the_lexical_query(question: str, words: str) -> None:
    assert any(words in e for e in expansions(question))
    assert words in analyse(question).lexical and words not in analyse(question).text


def test_plain_text_period_header_over_glued_words() -> None:
    text = ("CONSOLIDATED STATEMENTS OF COMPREHENSIVE INCOME\n(In thousands)\n"
            "Three Months EndedJune 30, Six Months EndedJune 30,\n\n2023 | 2022 | 2023 | 2022\n"
            "Net income | $243,544 | $1,622,625 | $723,427 | $1,587,832\n"
            "Foreign currency translation | (6,040) | (9,828) | (6,089) | (27,794)\n")
    at = text.index("Foreign currency")
    t = table_at(text, at)
    assert [t.column_label(j) for j in range(4)] == [
        "Three Months Ended June 30, 2023", "Three Months Ended June 30, 2022",
        "Six Months Ended June 30, 2023", "Six Months Ended June 30, 2022"]
    for col in t.columns:
        for p in col:
            assert text[p.start:p.end] == p.text  # every piece is a verbatim span
    view = row_view(text, text.index("(27,794)") + len("(27,794)"))
    assert view.label == "Foreign currency translation" and view.cells[3] == "(27,794)"
    assert table_at(text, text.index("In thousands")) is None  # not a row


def test_label_cell_over_row_labels_and_dates_without_cells() -> None:
    text = ("Consolidated Balance Sheets\n$ in millions\n\nFebruary 2, 2019   February 3, 2018 Assets\n"
            "Current assets\nCash and cash equivalents | $1,980 | $1,101\nMerchandise inventories | 5,409 | 5,209\n")
    t = table_at(text, text.index("Merchandise"))
    assert [t.column_label(j) for j in range(2)] == ["February 2, 2019", "February 3, 2018"]
    units = "(Millions) | 2018 | 2017 | 2016\nPurchases of PP&E | (1,577) | (1,373) | (1,420)\n"
    t2 = table_at(units, units.index("Purchases"))
    assert [t2.column_label(j) for j in range(3)] == ["2018", "2017", "2016"]  # "(Millions)" labels the labels


def test_the_citation_chain_builds_on_one_span_type() -> None:
    from dataclasses import fields

    from app.types import Citation
    from index.quote import QuoteMatch
    from index.resolve import Resolution
    from index.types import Excerpt, Span

    span_fields = [f.name for f in fields(Span)]
    assert span_fields == ["doc", "doc_id", "title", "pages", "start", "end", "text", "section", "ocr"]
    for cls in (Excerpt, Citation, QuoteMatch, Resolution):
        assert issubclass(cls, Span) and [f.name for f in fields(cls)][:len(span_fields)] == span_fields
        assert "to_json" not in cls.__dict__  # one JSON form, Span's
    ex = Excerpt(citation="x-1-2", doc="a.pdf", doc_id="x", title="T", pages=(3, 4), start=1, end=2, text="a", score=1.0)
    assert ex.to_json()["pages"] == [3, 4] and ex.to_json()["citation"] == "x-1-2"


def test_two_periods_get_a_cell_each(ebitda_index: Path, capsys) -> None:
    ans = _ask(ebitda_index, "What was Adjusted EBITDA in FY2022 and FY2021?", capsys)
    assert ans["answer"] == ("Adjusted EBITDA, Twelve Months Ended December 31, 2022: 2,117 [1] "
                             "Adjusted EBITDA, Twelve Months Ended December 31, 2021: 2,018 [1]")
    # the two stated figures asked for are the short answers: each cell, bolded (issue 35)
    text = ans["answer"]
    assert [text[a:b] for a, b in ans["short_answers"]] == ["2,117", "2,018"]
    assert len(ans["citations"]) == 1 and all(s["parts"] for s in ans["segments"])
    # asked how much it changed, the change is computed from the same two cells (#32), stated by neither:
    # the computed result is the short answer, no cell is (issue 35: a whole span of the type asked for)
    change = _ask(ebitda_index, "How much has Adjusted EBITDA changed between FY2021 and FY2022?", capsys)
    assert [change["answer"][a:b] for a, b in change["short_answers"]] == ["99 million"]
    assert change["computation"]["result"] == "99" and [o["text"] for o in change["computation"]["operands"]] == [
        "2,117", "2,018"]
