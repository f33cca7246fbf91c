"""The order-preserving alignment of a claim with one source sentence (app/answer/align.py), the words it reads
(app/answer/wording.py), table-row claims (app/answer/rowclaim.py) and claim openers (app/answer/claims.py)."""
from __future__ import annotations

import pytest

from app.answer.align import MAX_VARIANTS, _variants, match, pieces
from app.answer.claims import Claim, claim_body
from app.answer.support import SupportChecker
from app.answer.wording import significant, words


def keys(text: str) -> tuple[str, ...]:
    return tuple(w.key for w in significant(words(text)))


def ok(claim: str, source: str) -> bool:
    return match(keys(claim_body(claim)), source) is not None


def test_words_read_contractions_numbers_currency_and_references():
    assert keys("Talks didn't resume.") == keys("Talks did not resume.") == keys("Talks cannot resume.")[:1] + (
        "not", keys("resume")[0])
    assert keys("$1,800 million") == keys("1800 million dollars")
    assert keys("twelve per cent") == keys("12%") == keys("12 percent")
    assert keys("20–30 days") == keys("20 to 30 days")
    assert keys("Cases rose [12, 13].") == keys("Cases rose.")
    assert keys("the U.S. and the UK") == keys("United States and United Kingdom")
    assert keys("Northwind's revenue") == keys("Northwind revenue")
    assert keys("growth was -5%") != keys("growth was 5%") and keys("COVID-19 cases") == keys("COVID 19 cases")
    assert keys("Fjordline was acquired in 2019.") != keys("Fjordline acquired in 2019.")
    assert keys("Fjordline was bought in 2019.") == keys("Fjordline is acquired in 2019.")
    assert keys("Revenue was 5 million.") == keys("Revenue is 5 million.")
    assert keys("In fact, however, revenue rose.") == keys("Revenue rose.") == keys("Notably, revenue also rose.")


@pytest.mark.parametrize("claim, source, expected", [
    # adjunct clauses move to the other side of the clause they belong to; roles stay
    ("Revenue rose 12% in 2019.", "In 2019, revenue rose 12%.", True),
    ("Output fell because the summer was dry.", "Because the summer was dry, output fell.", True),
    ("Because the summer was dry, output fell.", "Output fell because the summer was dry.", True),
    ("The summer was dry because output fell.", "Output fell because the summer was dry.", False),
    ("Northwind acquired Fjordline in March 2019.", "In March 2019 Northwind acquired Fjordline.", True),
    ("Fjordline acquired Northwind in March 2019.", "In March 2019 Northwind acquired Fjordline.", False),
    ("Driven by higher prices, revenue rose.", "Revenue rose, driven by higher prices.", True),
    ("Sales fell in 2019.", "In 2019, sales rose, and in 2020, sales fell.", False),  # the adjunct of another clause
    ("Sales rose in 2019.", "In 2019, sales rose, and in 2020, sales fell.", True),
    ("In 2020, sales fell.", "In 2019, sales rose, and in 2020, sales fell.", True),
    # nothing moves across a verb, "than", "by", "to", "from"
    ("Onshore turbines cost more than offshore turbines.", "Offshore turbines cost more than onshore turbines.",
     False),
    ("Revenue rose by 1.8% to 12 billion.", "Revenue rose by 12% to 1.8 billion.", False),
    ("Rollo swore fealty to King Charles in 911.", "Rollo swore fealty in 911 to King Charles.", False),
    ("Fjordline acquired a rival in 2019.", "Fjordline was acquired by a rival in 2019.", False),
    ("Fjordline had acquired a rival.", "Fjordline was acquired by a rival.", False),
    ("Fjordline has been acquired by a rival.", "Fjordline was acquired by a rival.", True),
    # whole segments only; a hedge, a quantifier, a negation is never dropped inside one
    ("Cardiozel causes dizziness in elderly patients.", "Cardiozel may cause dizziness in elderly patients.", False),
    ("Cardiozel may cause dizziness.", "Cardiozel may cause dizziness in elderly patients.", False),
    ("Employees completed the course.", "All employees completed the course.", False),
    ("Talks resumed in 2020.", "Talks resumed in 2020, although no deal was reached.", True),
    ("No deal was reached.", "Talks resumed in 2020, although no deal was reached.", True),
    ("Prices fall.", "Sales rise if prices fall.", False),
    # a qualifying segment (condition, attribution, exception, hedge) is never left out
    ("Sales will rise.", "Sales will rise, if prices fall.", False),
    ("Cases rose.", "According to the ministry, cases rose.", False),
    ("Cases rose according to the ministry.", "According to the ministry, cases rose.", True),
    ("Sales will rise if prices fall.", "If prices fall, sales will rise.", True),
    ("Prices will fall if sales rise.", "If prices fall, sales will rise.", False),
    ("Northwind acquired Fjordline, the buyer.", "Northwind, the buyer, acquired Fjordline.", False),
    ("Revenue rose 12%.", "Revenue rose 12%, excluding currency effects.", False),
    ("Revenue rose 12%.", "In 2019, revenue rose 12%.", False),  # a dated adjunct is part of the claim
    ("Revenue rose 12%.", "Revenue rose 12% in March 2019.", False),
    ("Revenue rose 12%.", "In the north, revenue rose 12%.", False),  # so is any adjunct that scopes it
    ("Revenue rose 12%.", "Revenue rose 12%, and costs fell.", True),
    ("Costs fell.", "Revenue rose 12%, and costs fell.", True),
    ("Normandy is in France.", "Normandy is in France, a country in Europe.", True),
    ("A people conquered England.", "The Normans, a people, conquered England.", False),
    ("Revenue rose 5%.", "Revenue rose 5%, but only in Europe.", False),  # a qualifier after "but"
    ("Revenue rose 5%.", "Revenue rose 5%, but not in Europe.", False),
    ("Sales rose 5%.", "Sales rose 5%, the chief executive said.", False),  # an attribution is never left out
    ("Talks ended in 2019.", "Talks ended in 2019, ushering in years of silence.", True),
    ("Revenue rose 5%.", "Revenue rose 5%, driven by higher prices.", True),
    ("Wages fell 2%.", "Wages fell 2%, adjusted for inflation.", False),
    ("Output fell 9%.", "Output fell 9%, compared with 2018.", False),
    ("Revenue rose 12% in 2020.", "Revenue rose 12% in 2019 and fell 3% in 2020.", False),
    ("In 2020 revenue rose 12% in 2019 and fell 3%.", "Revenue rose 12% in 2019 and fell 3% in 2020.", False),
    # droppable middle segments: an appositive or relative clause, a parenthesis that qualifies nothing
    ("Rollo swore fealty in 911.", "Rollo, who led the Normans, swore fealty in 911.", True),
    ("Rollo swore fealty in 911.", "Rollo, who never led the Normans, swore fealty in 911.", False),
    ("Northwind Hydro AS acquired Fjordline.", "Northwind Hydro AS (“Northwind”) acquired Fjordline.", True),
    ("Revenue rose 12%.", "Revenue rose 12% (see Note 5).", True),
    ("Revenue rose 12%.", "Revenue rose 12% (excluding Fjordline).", False),
    ("Revenue rose.", "Revenue (not including Fjordline) rose.", False),
    ("Revenue was 5.", "Revenue (in millions) was 5.", False),
    ("Revenue was 5 million.", "Revenue (unaudited) was 5 million.", False),
])
def test_alignment_rules(claim, source, expected):
    assert ok(claim, source) is expected


def test_variants_are_bounded():
    long = ", ".join(["In 2019", *(f"({w})" for w in "Alpha Beta Gamma Delta Epsilon".split()), "sales rose",
                      "driven by prices"]) + "."
    assert 1 < len(_variants(pieces(long))) <= MAX_VARIANTS


def test_claim_openers_assert_nothing_and_are_dropped():
    assert claim_body("However, revenue rose.") == "revenue rose."
    assert claim_body("According to the document, revenue rose.") == "revenue rose."
    assert claim_body("The excerpt states that revenue rose.") == "revenue rose."
    assert claim_body("In addition to fees, revenue rose.") == "In addition to fees, revenue rose."


TABLE = ("Reconciliation of Net Income to Adjusted EBITDA (in millions)\n"
         "Three Months Ended | Twelve Months Ended\n"
         "December 31, | December 31,\n"
         "2022 | 2021 | 2022 | 2021\n"
         "Net income (loss) | (120) | 98 | 410 | 380\n"
         "Adjusted EBITDA | 609 | 540 | 2,117 | 2,018\n")


@pytest.mark.parametrize("claim, reason", [
    ("Adjusted EBITDA was 2,117 million for the twelve months ended December 31, 2022.", ""),
    ("For the three months ended December 31, 2021, adjusted EBITDA was 540.", ""),
    ("Net income (loss) was (120) for the three months ended December 31, 2022.", ""),
    ("Adjusted EBITDA was 2,117 billion for the twelve months ended December 31, 2022.", "not the table's unit"),
    ("Adjusted EBITDA was 540 for the three months ended December 31, 2022.", "the row holds '609' there"),
    ("Adjusted EBITDA was 2,117 in 2022.", "columns with different values"),
    ("Net income (loss) was 120 for the three months ended December 31, 2022.", "drops its sign"),
    ("Adjusted EBITDA rose to 2,117 in the twelve months ended December 31, 2022.", "'rose' is not in the cited row"),
    ("Adjusted EBITDA was 2,117 for the fiscal year ended December 31, 2022.", "no column label"),
    ("Adjusted EBITDA was 2,117 for the nine months ended December 31, 2022.", "'9' is not in the cited text"),
])
def test_a_claim_restates_one_cell_of_one_table_row(claim, reason):
    v = SupportChecker().check(Claim("", claim, (1,)), [TABLE])
    assert v.supported is (not reason) and reason in v.reason, v.reason
    if v.supported:
        assert v.evidence[0].text.startswith(claim.split(" was ")[0].split(", ")[-1].capitalize()[:8])
