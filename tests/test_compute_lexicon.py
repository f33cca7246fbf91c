"""The computation engine's parts, one test per lexicon entry and per line-item concept: figures read
exactly, formulas parsed and evaluated in decimal arithmetic, questions read into formulas, and every standard
definition computed from a drawn-as-text set of statements against the textbook formula."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.answer.compute.concepts import CONCEPTS, asked_concept, label_rank
from app.answer.compute.engine import compute
from app.answer.compute.expr import ComputeError, evaluate, parse, to_text
from app.answer.compute.figures import format_figure, operand_value, parse_figure, quantize
from app.answer.compute.lexicon import METRICS, asked_metric
from app.answer.compute.question import read_question
from app.answer.compute.sheets import TextTables
from tests.compute_statements import TEXT, V

D = Decimal


def _avg(name: str) -> Decimal:
    return (V[name][2021] + V[name][2020]) / 2


# entry → (question words, expected value computed here by the textbook formula)
EXPECTED = {
    "ccc": ("cash conversion cycle", 365 * _avg("inventory") / V["cogs"][2021] + 365 * _avg("receivables")
            / V["revenue"][2021] - 365 * _avg("payables") / V["cogs"][2021]),
    "dso": ("days sales outstanding", 365 * _avg("receivables") / V["revenue"][2021]),
    "dio": ("days inventory outstanding", 365 * _avg("inventory") / V["cogs"][2021]),
    "dpo": ("days payable outstanding", 365 * _avg("payables") / V["cogs"][2021]),
    "fixed_asset_turnover": ("fixed asset turnover ratio", V["revenue"][2021] / _avg("ppe_net")),
    "inventory_turnover": ("inventory turnover ratio", V["cogs"][2021] / _avg("inventory")),
    "receivables_turnover": ("receivables turnover", V["revenue"][2021] / _avg("receivables")),
    "asset_turnover": ("asset turnover ratio", V["revenue"][2021] / _avg("total_assets")),
    "operating_cash_flow_ratio": ("operating cash flow ratio", V["cfo"][2021] / V["total_current_liabilities"][2021]),
    "quick_ratio": ("quick ratio", (V["cash"][2021] + V["short_term_investments"][2021] + V["receivables"][2021])
                    / V["total_current_liabilities"][2021]),
    "current_ratio": ("current ratio", V["total_current_assets"][2021] / V["total_current_liabilities"][2021]),
    "working_capital": ("working capital", V["total_current_assets"][2021] - V["total_current_liabilities"][2021]),
    "roa": ("return on assets", 100 * V["net_income"][2021] / _avg("total_assets")),
    "roe": ("return on equity", 100 * V["net_income"][2021] / _avg("equity")),
    "ebitda_margin": ("EBITDA margin", 100 * (V["operating_income"][2021] + V["da"][2021]) / V["revenue"][2021]),
    "ebitda": ("EBITDA", V["operating_income"][2021] + V["da"][2021]),
    "gross_margin": ("gross margin", 100 * V["gross_profit"][2021] / V["revenue"][2021]),
    "operating_margin": ("operating margin", 100 * V["operating_income"][2021] / V["revenue"][2021]),
    "net_margin": ("net profit margin", 100 * V["net_income"][2021] / V["revenue"][2021]),
    "fcf": ("free cash flow", V["cfo"][2021] - V["capex"][2021]),
    "payout_ratio": ("dividend payout ratio", V["dividends_paid"][2021] / V["net_income"][2021]),
    "retention_ratio": ("retention ratio", 1 - V["dividends_paid"][2021] / V["net_income"][2021]),
    "capex_to_revenue": ("capex to revenue", 100 * V["capex"][2021] / V["revenue"][2021]),
    "effective_tax_rate": ("effective tax rate", 100 * V["income_tax"][2021] / V["pretax_income"][2021]),
    "interest_coverage": ("interest coverage ratio", V["operating_income"][2021] / V["interest_expense"][2021]),
    "debt_to_equity": ("debt to equity ratio", V["long_term_debt"][2021] / V["equity"][2021]),
    "total_debt": ("total debt", V["long_term_debt"][2021] + V["short_term_debt"][2021]),
}


def test_every_lexicon_entry_has_a_test() -> None:
    assert set(EXPECTED) == {m.name for m in METRICS}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_lexicon_entry_computes_the_textbook_formula(name: str) -> None:
    words, expected = EXPECTED[name]
    req = read_question(f"What is Example Corp's FY2021 {words}?")
    assert req is not None and asked_metric(words).name == name
    res = compute(req, ["doc"], TextTables(lambda _d: TEXT))
    assert res.ok, [m.name for m in res.missing]
    # decimal arithmetic: the unrounded result equals the formula's (computed here at 28 digits)
    assert abs(res.exact - expected) < D("1e-20"), (res.exact, expected)
    assert res.rounded == quantize(expected, res.places)


@pytest.mark.parametrize("concept,label", [
    ("revenue", "Total net revenues"), ("revenue", "Net sales"), ("revenue", "Sales to customers"),
    ("cogs", "Cost of products sold"), ("cogs", "Merchandise costs"), ("gross_profit", "Gross margin"),
    ("operating_income", "Income from operations"), ("operating_income", "Earnings from operations"),
    ("net_income", "Net earnings attributable to Example Co. shareholders"),
    ("net_income", "Consolidated net income attributable to Example Co."),
    ("cfi", "Net cash used for investing activities"), ("cff", "Net cash used for financing activities"),
    ("cfo", "Net cash from operations"), ("short_term_debt", "Debt maturing within one year"), ("da", "Depreciation and amortization"),
    ("capex", "Purchases of property, plant and equipment (PP&E)"), ("capex", "Capital spending"),
    ("cfo", "Net cash provided by (used in) operating activities"), ("cfi", "Net cash used in investing activities"),
    ("cff", "Net cash (used in) provided by financing activities"),
    ("ppe_net", "Property, plant and equipment — net"),
    ("ppe_net", "Land, buildings and equipment, net"), ("total_current_assets", "Total current assets"),
    ("total_current_liabilities", "Total Current Liabilities"), ("total_assets", "TOTAL ASSETS"),
    ("total_liabilities", "Total liabilities"), ("equity", "Total shareholders' equity"),
    ("inventory", "Merchandise inventories"), ("receivables", "Accounts receivable, net of allowances of $95"),
    ("payables", "Accounts payable"), ("cash", "Cash and cash equivalents"),
    ("short_term_investments", "Short-term investments"), ("interest_expense", "Interest expense"),
    ("income_tax", "Provision for income taxes"), ("pretax_income", "Income before income taxes"),
    ("dividends_paid", "Dividends paid"), ("sga", "Selling, general and administrative expenses"),
    ("rnd", "Research and development"), ("long_term_debt", "Long-term debt"),
    ("short_term_debt", "Short-term borrowings and current portion of long-term debt"),
])
def test_concept_reads_the_labels_statements_print(concept: str, label: str) -> None:
    assert label_rank(concept, label) is not None


def test_every_concept_has_a_label_test() -> None:
    tested = {c for c, _ in test_concept_reads_the_labels_statements_print.pytestmark[0].args[1]}
    assert tested == {c.name for c in CONCEPTS}


@pytest.mark.parametrize("concept,label", [
    ("revenue", "Cost of revenues"), ("net_income", "Net income attributable to noncontrolling interests"),
    ("ppe_net", "Less: Accumulated depreciation"), ("capex", "Proceeds from sale of property and equipment"),
    ("total_assets", "Total current assets"), ("inventory", "Increase in inventories"),
    ("cfo", "Net cash used in investing activities"), ("equity", "Total liabilities and shareholders' equity"),
])
def test_concept_does_not_read_other_lines(concept: str, label: str) -> None:
    assert label_rank(concept, label) is None


def test_figures_are_read_exactly() -> None:
    assert parse_figure("$(1,577)") == D(-1577) and parse_figure("(0.3)%") == D("-0.3")
    assert parse_figure("1,234.56") == D("1234.56") and parse_figure("—") is None and parse_figure("12 13") is None
    assert parse_figure("25,530$") == D(25530)  # a PDF sets the dollar sign after the figure
    assert operand_value("(1,577)", magnitude=True) == D(1577) and operand_value("21.6%", False) == D("0.216")
    assert quantize(D("24.255"), 2) == D("24.26")  # half-up, as analysts round
    assert format_figure(D("-1234.5"), 1) == "-1,234.5"


def test_expressions_round_trip_and_refuse_what_is_not_arithmetic() -> None:
    tree = parse("x1 / avg(x2, x3) - (x4 - x5) * 365")
    assert to_text(tree) == "x1 / avg(x2, x3) - (x4 - x5) * 365"
    assert evaluate(tree, {f"x{i}": D(i) for i in range(1, 6)}) == D(1) / D("2.5") + 365
    for bad in ("x1 + __import__('os')", "x1 / 0", "x1 +"):
        with pytest.raises(ComputeError):
            evaluate(parse(bad), {"x1": D(1)})


def test_question_definitions_are_read_as_formulas() -> None:
    req = read_question("What is the FY2021 fixed asset turnover ratio for Example Corp? Fixed asset turnover ratio "
                        "is defined as: FY2021 revenue / (average PP&E between FY2020 and FY2021). Round your answer "
                        "to two decimal places.")
    assert req is not None and req.source == "question" and req.places == 2 and req.year == 2021
    dpo = read_question("What is FY2021 days payable outstanding (DPO)? DPO is defined as: 365 * (average accounts "
                        "payable between FY2020 and FY2021) / (FY2021 COGS + change in inventory between FY2020 and "
                        "FY2021).")
    res = compute(dpo, ["doc"], TextTables(lambda _d: TEXT))
    expected = 365 * _avg("payables") / (V["cogs"][2021] + V["inventory"][2021] - V["inventory"][2020])
    assert res.ok and res.request.source == "question" and abs(res.exact - expected) < D("1e-20")


def test_asked_words_name_line_items() -> None:
    assert asked_concept("FY2019 COGS").name == "cogs"
    assert asked_concept("net PPNE").name == "ppe_net"
    assert asked_concept("cash flow from operating activities").name == "cfo"
    assert asked_concept("the year end total current liabilities").name == "total_current_liabilities"


@pytest.mark.parametrize("question,op,expected", [
    ("What is the FY2019 - FY2021 revenue CAGR for Example Corp?", "cagr",
     ((D(1200) / D(900)) ** (D(1) / D(2)) - 1) * 100),
    ("What is the FY2020 to FY2021 total revenue growth rate?", "growth", D(20)),
    ("What is the year-over-year change in operating income from FY2020 to FY2021? Answer in units of percents.",
     "growth", (D(250) - D(180)) / D(180) * 100),
    ("What is the change in operating income between FY2020 and FY2021 (in USD millions)?", "change", D(70)),
])
def test_across_years(question: str, op: str, expected: Decimal) -> None:
    req = read_question(question)
    assert req is not None and req.op == op
    res = compute(req, ["doc"], TextTables(lambda _d: TEXT))
    assert res.ok and abs(res.exact - expected) < D("1e-20")


def test_several_definitions_and_an_asked_formula() -> None:
    src = TextTables(lambda _d: TEXT)
    ccc = read_question(
        "What is the FY2021 cash conversion cycle (CCC) for Example Corp? CCC is defined as: DIO + DSO - DPO. DIO is "
        "defined as: 365 * (average inventory between FY2020 and FY2021) / (FY2021 COGS). DSO is defined as: 365 * "
        "(average accounts receivable between FY2020 and FY2021) / (FY2021 Revenue). DPO is defined as: 365 * "
        "(average accounts payable between FY2020 and FY2021) / (FY2021 COGS + change in inventory between FY2020 "
        "and FY2021). Round your answer to two decimal places.")
    res = compute(ccc, ["doc"], src)
    expected = (365 * _avg("inventory") / V["cogs"][2021] + 365 * _avg("receivables") / V["revenue"][2021]
                - 365 * _avg("payables") / (V["cogs"][2021] + V["inventory"][2021] - V["inventory"][2020]))
    assert res.ok and res.kind == "days" and res.rounded == quantize(expected, 2)  # days, not an amount
    less = read_question("What is Example Corp's FY2021 unadjusted EBITDA less capex? Define unadjusted EBITDA as "
                         "unadjusted operating income + D&A (from cash flow statement).")
    res = compute(less, ["doc"], src)
    assert res.ok and res.kind == "amount"
    assert res.exact == V["operating_income"][2021] + V["da"][2021] - V["capex"][2021]
    quick = read_question("What is the FY2021 quick ratio for Example Corp? Quick ratio = (cash and cash equivalents "
                          "+ accounts receivable) / total current liabilities.")
    res = compute(quick, ["doc"], src)
    assert res.ok and quick.source == "question" and res.rounded == quantize(
        (V["cash"][2021] + V["receivables"][2021]) / V["total_current_liabilities"][2021], 2)


def test_which_segment_had_the_highest_figure() -> None:
    from app.answer.compute.compare import read_comparison
    from tests.compute_statements import SEGMENTS

    src = TextTables(lambda _d: TEXT + "\n" + SEGMENTS)
    rows = read_comparison("Which of Example Corp's segments had the highest net sales in FY2021?")
    res = compute(rows, ["doc"], src)
    assert res.ok and res.exact == D(600) and len(res.found) == 3  # the total is no segment
    assert {f.label.text for f in res.found.values()} == {"Americas", "Europe", "Asia Pacific"}
    cols = read_comparison("In FY2021, which of Example Corp's business segments had the lowest net income?")
    res = compute(cols, ["doc"], src)
    assert res.ok and res.exact == D(30)
    assert [f.sheet.table.column_label(f.column) for f in res.found.values()] == ["Widgets", "Gadgets", "Services"]


def test_the_best_alternative_is_used_not_the_first_found() -> None:
    # no gross profit line in the statement; a note about an investee prints one: the margin comes from the
    # statement's revenue less cost of revenues, not from the note's line beside the statement's revenue
    text = TEXT.replace("Gross profit | 500 | 400 | 340\n", "") + (
        "\nNote 9. Equity method investee\nSummarized financial information of the investee:\n"
        "(in millions) | 2021 | 2020\nNet revenues | 90 | 80\nGross profit | 30 | 25\n")
    res = compute(read_question("What is Example Corp's FY2021 gross margin?"), ["doc"], TextTables(lambda _d: text))
    assert res.ok and res.rounded == quantize((V["revenue"][2021] - V["cogs"][2021]) / V["revenue"][2021] * 100, 1)


def test_judgement_questions_get_their_figure_and_debt_is_read_as_total_debt() -> None:
    from app.answer.compute.compare import read_comparison

    src = TextTables(lambda _d: TEXT)
    req = read_comparison("Does Example Corp have a healthy liquidity profile based on its current ratio for FY2021?")
    assert req is not None and req.claim == ""
    res = compute(req, ["doc"], src)
    assert res.ok and res.rounded == quantize(V["total_current_assets"][2021] / V["total_current_liabilities"][2021], 2)
    assert read_comparison("Is Example Corp a capital-intensive business based on FY2021 data?") is None
    debt = compute(read_question("What is Example Corp's total debt in FY2021?"), ["doc"], src)
    assert debt.ok and debt.exact == V["long_term_debt"][2021] + V["short_term_debt"][2021]


def test_a_quarter_or_half_year_reads_its_own_column() -> None:
    text = ("Condensed Consolidated Statements of Income\n"
            "(in millions)\n"
            "Three Months Ended Six Months Ended June 30, June 30,\n"
            "2023 | 2022 | 2023 | 2022\n"
            "Net revenues | 300 | 280 | 590 | 540\nOperating income | 60 | 50 | 110 | 95\nNet income | 45 | 40 | 80 | 70\n")
    src = TextTables(lambda _d: text)
    q2 = compute(read_question("What was Example Corp's Q2 FY2023 operating margin?"), ["doc"], src)
    h1 = compute(read_question("What was Example Corp's H1 FY2023 operating margin?"), ["doc"], src)
    assert q2.ok and q2.exact == D(60) / D(300) * 100 and q2.request.months == 3
    assert h1.ok and h1.exact == D(110) / D(590) * 100 and h1.request.months == 6


def test_segments_as_headed_sections() -> None:
    from app.answer.compute.compare import read_comparison
    from app.answer.compute.render import render_computation  # noqa: F401  (the answer names each segment)

    def section(name: str, income: str) -> str:
        return (f"\n{name}\nThe segment serves customers in its markets and reports its results below.\n"
                "Selected income statement data\nThree months ended June 30,\n(in millions) | 2022 | 2021\n"
                "Total net revenue | 900 | 800\nNoninterest expense | 500 | 450\nIncome tax expense | 90 | 80\n"
                f"Net income | {income} | (a) | 100\n")
    text = ("CONSOLIDATED RESULTS\nThree months ended June 30,\n(in millions) | 2022 | 2021\nNet income | 999 | 900\n"
            + section("RETAIL BANKING", "310") + section("INVESTMENT BANK", "420") + section("WEALTH MANAGEMENT", "120"))
    req = read_comparison("In 2022 Q2, which of Example Bank's business segments had the highest net income?")
    res = compute(req, ["doc"], TextTables(lambda _d: text))
    assert res.ok and res.exact == D(420) and len(res.found) == 3  # the consolidated heading is no segment
