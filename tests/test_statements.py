"""The statement map (#32): a filing's income statement, balance sheet and cash-flow statement found with their
periods and units, stored with the index, shown by `groundqa docs --json` and `cite`; statement captions are
headings and column headers are never part of a section path. PDFs are drawn here with reportlab."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from corpus.loaders import load_file
from corpus.periods import Period, parse_period
from corpus.statements import find_statements, statement_from_json
from corpus.structure import Sections, is_column_header

reportlab = pytest.importorskip("reportlab")
from reportlab.lib.pagesizes import letter  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

COLS = (390, 460, 530)
Item = tuple[float, float, str]


def draw(path: Path, pages: list[list[Item]]) -> Path:
    """A PDF of pages of (x, y, text); text at x ≥ 300 is set right-aligned there, like a figure column."""
    c = canvas.Canvas(str(path), pagesize=letter)
    for items in pages:
        c.setFont("Helvetica", 9)
        for x, y, t in items:
            (c.drawRightString if x >= 300 else c.drawString)(x, y, t)
        c.showPage()
    c.save()
    return path


def table(top: float, caption: list[str], header: list[list[str]], rows: list[tuple[str, ...]],
          after: str = "See accompanying notes to consolidated financial statements.") -> list[Item]:
    """Caption lines, header lines (cells over the figure columns) and rows, as a statement is set."""
    items: list[Item] = []
    y = top
    for line in caption:
        items.append((72, y, line))
        y -= 12
    for cells in header:
        for x, t in zip(COLS[len(COLS) - len(cells):], cells):
            items.append((x, y, t))
        y -= 11
    for label, *vals in rows:
        items.append((72, y, label))
        for x, t in zip(COLS[len(COLS) - len(vals):], vals):
            items.append((x, y, t))
        y -= 12
    items.append((72, y - 14, after))
    return items


INCOME = [("Net revenues", "6,489", "7,500", "7,017"), ("Cost of revenues", "2,517", "2,517", "2,501"),
          ("Gross profit", "3,972", "4,983", "4,516"), ("Operating income", "1,607", "1,988", "1,309"),
          ("Income tax expense", "(140)", "(104)", "1,074"), ("Net income", "1,503", "1,813", "273"),
          ("Diluted earnings per share", "1.95", "2.35", "0.36")]
BALANCE = [("Cash and cash equivalents", "5,794", "4,225"), ("Inventories", "32", "43"),
           ("Total current assets", "7,292", "6,143"), ("Property and equipment, net", "253", "282"),
           ("Total assets", "19,845", "17,890"), ("Accounts payable", "292", "253"),
           ("Total current liabilities", "3,006", "2,796"), ("Total liabilities", "7,040", "6,498"),
           ("Total shareholders' equity", "12,805", "11,392")]
EQUITY = [("Balance at December 31, 2022", "9,000", "1,200"), ("Net income", "1,503", "1,503"),
          ("Dividends declared", "(286)", "(286)"), ("Repurchases of common stock", "(100)", "(100)"),
          ("Balance at December 31, 2023", "10,117", "2,317")]
CASH = [("Net income", "1,503", "1,813", "273"), ("Depreciation and amortization", "328", "457", "586"),
        ("Net cash provided by operating activities", "1,831", "1,790", "2,155"),
        ("Capital expenditures", "(116)", "(131)", "(155)"), ("Net cash used in investing activities", "(16)", "(13)", "(15)"),
        ("Dividends paid", "(286)", "(266)", "(226)"), ("Net cash used in financing activities", "(402)", "(2,260)", "(2,125)"),
        ("Cash and cash equivalents at end of period", "5,794", "4,225", "4,713")]


def filing(path: Path) -> Path:
    """A 10-K's contents page, three statements, an equity statement right before the cash-flow statement
    (whose caption line is longer than a heading), and a note table that only names the balance sheet."""
    years3 = [["Years Ended December 31,"], ["2023", "2022", "2021"]]
    pages = [
        [(72, 720, "INDEX TO CONSOLIDATED FINANCIAL STATEMENTS"), (72, 700, "Consolidated Statements of Operations"),
         (500, 700, "F-2"), (72, 688, "Consolidated Balance Sheets"), (500, 688, "F-3"),
         (72, 660, "We present our consolidated balance sheets and statements of operations on the pages that follow.")],
        table(720, ["ACME GAMES, INC. AND SUBSIDIARIES", "CONSOLIDATED STATEMENTS OF OPERATIONS",
                    "(Amounts in millions, except per share data)"], years3, INCOME),
        table(720, ["ACME GAMES, INC. AND SUBSIDIARIES", "CONSOLIDATED BALANCE SHEETS", "(Amounts in millions)"],
              [["December 31,", "December 31,"], ["2023", "2022"]], BALANCE)
        + table(440, ["Amounts recognized in the Consolidated Balance Sheet"], [["2023", "2022"]],
                [("Other current liabilities", "12", "14"), ("Other liabilities", "30", "33"),
                 ("Net amount recognized", "42", "47")], after="The amounts above relate to pension plans described here."),
        table(720, ["CONSOLIDATED STATEMENTS OF STOCKHOLDERS' EQUITY"], [["Total", "Retained"]], EQUITY),
        table(720, ["ACME GAMES, INC. AND SUBSIDIARIES CONSOLIDATED STATEMENTS OF CASH FLOWS For the Years Ended "
                    "December 31, 2023, 2022 and 2021 (Amounts in millions)"], [["2023", "2022", "2021"]], CASH),
    ]
    return draw(path, pages)


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory):
    return load_file(filing(tmp_path_factory.mktemp("acme") / "ACME_2023_10K.pdf"))


def test_statements_found_with_periods_units_and_pages(acme) -> None:  # noqa: ANN001
    found = find_statements(acme.text, acme.page_starts)
    kinds = {s.kind: s for s in found if s.primary}
    assert set(kinds) == {"income", "balance", "equity", "cash_flow"}, [(s.kind, s.name) for s in found]
    inc, bal, cf = kinds["income"], kinds["balance"], kinds["cash_flow"]
    assert inc.name == "CONSOLIDATED STATEMENTS OF OPERATIONS" and inc.pages == (2, 2)
    assert inc.unit.text == "(Amounts in millions, except per share data)" and inc.scale == 1_000_000
    assert inc.periods == (Period("FY", 2023, None, "2023-12-31"), Period("FY", 2022, None, "2022-12-31"),
                           Period("FY", 2021, None, "2021-12-31"))
    labels = [" ".join(r.label.text.split()) for r in inc.table.rows]
    assert labels[0] == "Net revenues" and "Diluted earnings per share" in labels
    assert inc.row_scale("Diluted earnings per share") == 1 and inc.row_scale("Net revenues") == 1_000_000
    assert bal.pages == (3, 3) and bal.scale == 1_000_000
    assert [str(p) for p in bal.periods] == ["as of 2023-12-31", "as of 2022-12-31"]
    assert "Total assets" in [r.label.text for r in bal.table.rows]
    assert "Net amount recognized" not in [r.label.text for r in bal.table.rows]  # the note table is its own
    assert cf.pages == (5, 5) and [str(p) for p in cf.periods] == ["FY2023", "FY2022", "FY2021"]
    assert cf.name == "CONSOLIDATED STATEMENTS OF CASH FLOWS"
    for st in found:  # every part is a verbatim span
        assert acme.text[st.title.start:st.title.end] == st.title.text
        for r in st.table.rows:
            assert all(acme.text[c.start:c.end] == c.text for c in r.cells)
    # a contents page row, a sentence and a note table's caption name statements but are none
    assert not any(s.pages == (1, 1) for s in found)
    assert sum(s.kind == "balance" for s in found) == 1


def test_statement_map_round_trips_through_its_stored_form(acme) -> None:  # noqa: ANN001
    for st in find_statements(acme.text, acme.page_starts):
        back = statement_from_json(json.loads(json.dumps(st.to_json())), acme.text)
        assert (back.kind, back.name, back.pages, back.unit, back.scale, back.periods, back.primary) == \
            (st.kind, st.name, st.pages, st.unit, st.scale, st.periods, st.primary)
        assert back.table.rows == st.table.rows and back.table.columns == st.table.columns


def test_statement_captions_are_headings_and_headers_never_are(acme) -> None:  # noqa: ANN001
    secs = Sections(acme.text)
    text = acme.text
    capex = text.index("Capital expenditures |")
    assert secs.at(capex).endswith("CONSOLIDATED STATEMENTS OF CASH FLOWS"), secs.at(capex)  # not the equity one
    assert secs.at(text.index("Total assets |")).endswith("CONSOLIDATED BALANCE SHEETS")
    for line in ("13 Weeks Ended 52 Weeks Ended January January Janu…", "Q1 Q2 SIX Q3 NINE Q4 TWELVE MONTHS",
                 "At December 31, 2019 At December 31, 2018 Assets", "Years Ended December 31,", "2023 2022"):
        assert is_column_header(line), line
    assert not is_column_header("Liquidity and Capital Resources")
    assert not is_column_header("Fourth Quarter 2022 Results")
    for off in range(0, len(text), 97):
        assert "Years Ended" not in secs.at(off) and "2023" not in secs.at(off), secs.at(off)


@pytest.mark.parametrize("label,context,balance,want", [
    ("2018", "Years ended December 31", False, Period("FY", 2018, None, "2018-12-31")),
    ("Three Months Ended June 30, 2023", "", False, Period("Q", 2023, None, "2023-06-30")),
    ("Six Months Ended December 31, 2022", "", False, Period("H", 2022, None, "2022-12-31")),
    ("Nine Months Ended September 30, 2021", "", False, Period("9M", 2021, None, "2021-09-30")),
    ("13 Weeks Ended January 28, 2023", "", False, Period("Q", 2023, None, "2023-01-28")),
    ("52 Weeks Ended January 28, 2023", "", False, Period("FY", 2023, None, "2023-01-28")),
    ("52 Weeks Ended August 29,2021", "", False, Period("FY", 2021, None, "2021-08-29")),  # no space after the comma
    ("5,363", "Years ended December 31", False, None),  # a figure holds no year
    ("12 Weeks Ended 3/25/2023", "", False, Period("Q", 2023, None, "2023-03-25")),
    # two dated dates in the caption belong to their columns: the label alone names no end date
    ("2022", "At January 1, 2023 and January 2, 2022", True, Period("asof", 2022, None, None)),
    ("Q2 2023", "", False, Period("Q", 2023, 2, None)),
    ("December 31, 2022", "", True, Period("asof", 2022, None, "2022-12-31")),
    ("Fiscal 2023", "", False, Period("FY", 2023, None, None)),
    ("% Change", "", False, None),
])
def test_column_labels_read_as_periods(label: str, context: str, balance: bool, want: Period | None) -> None:
    assert parse_period(label, context, balance) == want


def test_statement_map_is_stored_listed_and_shown_when_cited(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    docs = tmp_path / "docs"
    docs.mkdir()
    filing(docs / "ACME_2023_10K.pdf")
    idx = tmp_path / "idx"
    assert main(["index", str(docs), "--index", str(idx), "--model", "fake"]) == 0
    capsys.readouterr()
    assert main(["docs", "--index", str(idx), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)[0]["statements"]
    assert {(s["kind"], s["name"]) for s in listed} >= {("income", "CONSOLIDATED STATEMENTS OF OPERATIONS"),
                                                       ("balance", "CONSOLIDATED BALANCE SHEETS"),
                                                       ("cash_flow", "CONSOLIDATED STATEMENTS OF CASH FLOWS")}
    assert main(["docs", "--index", str(idx)]) == 0
    assert "CONSOLIDATED BALANCE SHEETS (p. 3)" in capsys.readouterr().out
    from index.store.local.generations import load_index

    view = load_index(idx)
    doc_id = view.list_documents()[0].doc_id
    stored = view.statements(doc_id)
    text = view.document_text(doc_id)
    assert [s.to_json() for s in stored] == [s.to_json() for s in find_statements(text, view.page_starts(doc_id))]
    from index.citations import make_citation_id

    row = text.index("Capital expenditures |")
    cid = make_citation_id(doc_id, row, text.index("\n", row))
    assert main(["cite", cid, "--index", str(idx), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["statement"] == {"kind": "cash_flow", "name": "CONSOLIDATED STATEMENTS OF CASH FLOWS"}
    from app.web.html import resolution_html

    panel = resolution_html(res)  # the source panel names the statement above the context
    assert '<div class="gq-statement">CONSOLIDATED STATEMENTS OF CASH FLOWS</div>' in panel
    prose = text.index("We present our")
    assert main(["cite", make_citation_id(doc_id, prose, prose + 20), "--index", str(idx), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["statement"] is None


MDNA = ("## Liquidity and Capital Resources\n\n"
        "Capital expenditures in fiscal 2023 rose as we invested in new plants; we expect capital expenditures "
        "to grow again in 2024. Capital expenditures were funded from operating cash flow in 2023 and 2022.\n\n"
        "Our capital expenditure plans for 2023 included two distribution centres and capital expenditure on "
        "information systems.\n\n")
CASH_MD = ("CONSOLIDATED STATEMENTS OF CASH FLOWS\n(In millions)\nYears Ended December 31, | 2023 | 2022\n"
           "Net income | 1,503 | 1,813\nDepreciation and amortization | 328 | 457\n"
           "Net cash provided by operating activities | 1,831 | 1,790\n"
           "Purchases of property and equipment | (116) | (131)\nNet cash used in investing activities | (16) | (13)\n"
           "Dividends paid | (286) | (266)\nNet cash used in financing activities | (402) | (2,260)\n\n"
           "See accompanying notes to the consolidated financial statements.\n")


def test_a_named_statement_lifts_its_passages_in_the_named_filing(tmp_path: Path, fake_embedder) -> None:  # noqa: ANN001
    """The MD&A says "capital expenditures" five times; the cash-flow statement prints "Purchases of property and
    equipment". A question that names the statement gets the statement first; without the statement signal the
    prose wins."""
    from app.api import GroundQA
    from index.query import analyse
    from index.retriever import RetrievalSettings

    docs = tmp_path / "docs"
    docs.mkdir()
    for co in ("ACME", "GLOBEX"):
        (docs / f"{co}_2023_10K.md").write_text(f"# {co.title()} Corporation annual report 2023\n\n" + MDNA + CASH_MD)
    api = GroundQA(tmp_path / "idx", embedder=fake_embedder)
    api.index([docs])
    ret = api.answerer().retriever
    q = "What is the FY2023 capital expenditure amount for Acme? Answer using the cash flow statement."
    assert analyse(q).statements == ("cash_flow",) and analyse(q).items == ("cash_flow",)
    top = ret.search(q, RetrievalSettings(k=1))[0]
    assert top.doc.endswith("ACME_2023_10K.md") and "Purchases of property and equipment | (116)" in top.text
    off = ret.search(q, RetrievalSettings(k=1, statement_weight=0, item_weight=0))[0]
    assert "Purchases of property" not in off.text and "Capital expenditures" in off.text
    # the line item alone points at the same statement (a lighter weight)
    q2 = "What was Acme's capital expenditure in FY2023?"
    assert analyse(q2).statements == () and analyse(q2).items == ("cash_flow",)
    assert "(116)" in ret.search(q2, RetrievalSettings(k=1, item_weight=1.0))[0].text


NAME_EXAMPLES = {
    "cash_flow": "Using the cash flow statement, how much did it generate from operations?",
    "balance": "Base your answer on the statement of financial position: what are total assets?",
    "income": "From the P&L, what was net income?",
    "equity": "What does the statement of changes in shareholders' equity show for dividends?",
}
ITEM_EXAMPLES = [
    ("What was the FY2019 capex?", ("cash_flow",)),
    ("Does the company have positive working capital?", ("balance",)),
    ("What drove gross margin change in FY2022?", ("income",)),
    ("What is the FY2022 return on assets?", ("income", "balance")),
]


def test_every_statement_name_and_item_entry_has_a_tested_example() -> None:
    from index.synonyms import STATEMENT_ITEMS, STATEMENT_NAMES, named_statements, statements_of_items

    assert {k for _, k in STATEMENT_NAMES} == set(NAME_EXAMPLES)
    for kind, q in NAME_EXAMPLES.items():
        assert named_statements(q) == (kind,), q
    assert len(ITEM_EXAMPLES) == len(STATEMENT_ITEMS)
    for (q, kinds), (_, entry) in zip(ITEM_EXAMPLES, STATEMENT_ITEMS):
        assert statements_of_items(q) == kinds == entry, q
    assert named_statements("How did revenue grow?") == () and statements_of_items("Who is the CEO?") == ()


def test_a_statement_over_two_pages_is_one_and_a_restated_copy_is_not_primary() -> None:
    head = "CONSOLIDATED BALANCE SHEETS\n(In millions)\nDecember 31, | 2023 | 2022\n"
    page1 = head + "Cash and cash equivalents | 120 | 95\nInventories | 40 | 38\nTotal current assets | 300 | 280\n" \
        "Total assets | 910 | 860\n"
    page2 = head + "Accounts payable | 50 | 45\nTotal current liabilities | 150 | 140\nTotal liabilities | 300 | 280\n" \
        "Total shareholders' equity | 610 | 580\n"
    note = "NOTE 2. Restatement\n\nCONSOLIDATED BALANCE SHEETS\n(In millions)\nDecember 31, | 2022 | 2021\n" \
        "Cash and cash equivalents | 95 | 90\nTotal current assets | 280 | 260\nTotal assets | 860 | 800\n" \
        "Accounts payable | 45 | 40\nTotal current liabilities | 140 | 120\nTotal liabilities | 280 | 260\n" \
        "Total shareholders' equity | 580 | 540\nSee accompanying notes to the consolidated financial statements.\n"
    text = page1 + "\n\n" + page2 + "\n\nThe accompanying notes are an integral part of these financial statements.\n\n" \
        + note
    starts = (0, len(page1) + 2, text.index("NOTE 2."))
    found = find_statements(text, starts)
    assert [(s.kind, s.pages, s.primary) for s in found] == [("balance", (1, 2), True), ("balance", (3, 3), False)]
    labels = [r.label.text for r in found[0].table.rows]
    assert "Total assets" in labels and "Total liabilities" in labels  # both pages' rows


def test_a_why_question_points_at_no_statement_through_its_line_items() -> None:
    from index.query import analyse

    assert analyse("What drove gross margin change as of FY2022?").items == ()
    assert analyse("Is growth in adjusted EPS expected to accelerate in FY2023?").items == ()
    assert analyse("What was the gross margin in FY2022?").items == ("income",)
    assert analyse("Why did net income fall? Use the income statement.").statements == ("income",)


def test_a_caption_with_a_date_per_column_gives_each_its_end_date() -> None:
    text = ("CONSOLIDATED BALANCE SHEETS At January 1, 2023 and January 2, 2022 (Dollars in Millions)\n2022 | 2021\n"
            "Cash and cash equivalents | 14,127 | 14,487\nTotal current assets | 55,294 | 60,979\n"
            "Total assets | 187,378 | 182,018\nTotal liabilities | 110,574 | 107,995\n"
            "Total shareholders' equity | 76,804 | 74,023\n")
    (st,) = find_statements(text)
    assert st.periods == (Period("asof", 2022, None, "2023-01-01"), Period("asof", 2021, None, "2022-01-02"))
