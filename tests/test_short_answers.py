"""The bold short answer is a whole span of the type the question asks for, or nothing (issue 35): no clause
openers, no text past a sentence end, no possessive, no month or people's adjective or place or event for a
*who*, no half of a coordinated date, no item number for *how many*, no label-like table cell such as "Net"."""
from __future__ import annotations

import pytest

from app.answer.qtypes import fits_cell, question_type, short_answer_spans


def marks(question: str, sentence: str) -> list[str]:
    return [sentence[a:b] for a, b in short_answer_spans(question_type(question), sentence, question)]


@pytest.mark.parametrize("question,sentence,expected", [
    ("Who led the monks?", "Under the Frankish abbot Odo Bellamy, the monks moved north.", ["Odo Bellamy"]),
    ("Who took the town?", "The town was taken by Harald Greycloak. His ships left in May.", ["Harald Greycloak"]),
    ("Who served the duke?", "Frankish mercenaries served the duke for a decade.", []),
    ("Who ruled Crete?", "The fleet sailed in May and reached Crete.", []),
    ("Who besieged the port?", "A few years after the Second Crusade, Bohemond besieged the port.", ["Bohemond"]),
    ("Who stopped him?", "He was stopped in Asia Minor by the general Tatikios.", ["Tatikios"]),
    ("Whose fleet reached the island?", "In the spring Richard's fleet reached the island.", ["Richard"]),
    ("Who led the force?", "A Norman named Oursel led the force into the valley.", ["Oursel"]),
    ("When did the duchy grow?", "In the 10th and 11th centuries the duchy grew.", ["10th and 11th centuries"]),
    ("How many ships sailed?", "As Item 7 explains, 30 ships sailed from the harbour.", ["30"]),
    ("How many ships sailed?", "The ships sailed in 1081 from the harbour.", []),
    ("Where did the monks flee to?", "The monks fled to southern Italy in Calabria, Italy.", ["Calabria, Italy"]),
    ("Who was Emma's brother?", "Emma was the sister of Duke Richard II of Normandy.", ["Duke Richard II of Normandy"]),
])
def test_a_short_answer_is_a_whole_span_of_the_expected_type(question: str, sentence: str,
                                                             expected: list[str]) -> None:
    assert marks(question, sentence) == expected


@pytest.mark.parametrize("question,label,value,ok", [
    ("What is the FY2018 capital expenditure amount for 3M?", "Purchases of property, plant and equipment",
     "$(1,577)", True),
    ("Answer in USD millions. What was Amazon's FY2019 net income?", "Net income", "$11,588", True),
    ("What was the operating margin in 2022?", "Operating margin", "21.6%", True),
    ("What were net sales in FY2022?", "Net sales", "5,409 million", True),
    ("Which region had the worst topline performance in FY2022?", "Net revenues", "Net", False),
    ("Which region had the worst topline performance in FY2022?", "Las Vegas Strip", "1,234", False),
    ("When did the plant open?", "Opened", "2,117", False),
    ("What were net revenues in 2022?", "Net revenues", "Net revenues", False),
    ("What were net revenues in 2022?", "(In millions)", "2022", False),  # a header year read as a cell
    # Yes/no, computed, compared or a line item's name: the figure read on the way is no short answer.
    ("Does Corning have positive working capital based on FY2022 data?", "Working capital", "$2,278", False),
    ("What is the FY2019 fixed asset turnover ratio for Activision Blizzard?", "Total assets", "$19,845", False),
    ("What is the FY2019 - FY2020 total revenue growth rate for Block?", "Total net revenue", "$9,497,578", False),
    ("What was the largest liability in American Express's Balance Sheet in 2022?", "Total liabilities",
     "$203,643", False),
    ("How did JnJ's US sales growth compare to international sales growth in FY2022?", "International", "(5.8)%",
     False),
])
def test_a_table_cell_is_marked_only_as_a_stated_figure_that_was_asked_for(question: str, label: str, value: str,
                                                                          ok: bool) -> None:
    assert fits_cell(question, label, value) is ok


def test_a_count_is_marked_only_when_it_counts_what_was_asked() -> None:
    sentence = "In 1081 he led an army of 30,000 men in 300 ships to the southern shore."
    assert marks("How many men were in the army?", sentence) == ["30,000"]
    assert marks("How many ships sailed?", sentence) == ["300"]
    assert marks("How many horses were there?", sentence) == []  # two counts, neither of horses: unsure
    # A change between two periods is computed, not stated: neither rate is the answer.
    rates = "The effective tax rate was 21.6 percent and 24.6 percent for 2022 and 2021."
    assert marks("How much has the effective tax rate changed between FY2021 and FY2022?", rates) == []


def test_a_duration_is_marked_whole() -> None:
    sentence = "The talks broke off, ushering in more than five years of complete disengagement."
    assert marks("How long has the disengagement lasted?", sentence) == ["more than five years"]
    assert marks("How long did they hold the island?", "They held the island for the following 380 years.") == \
        ["380 years"]
