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


@pytest.mark.parametrize("qtype,value,ok", [
    (None, "$(1,577)", True), (None, "21.6%", True), ("number", "5,409 million", True), (None, "2,117", True),
    ("entity", "Net", False), ("entity", "1,234", False), ("date", "2,117", False), (None, "Net revenues", False),
    (None, "Las Vegas Strip", False),
])
def test_a_table_cell_is_marked_only_as_a_figure_for_a_figure_question(qtype, value: str, ok: bool) -> None:
    assert fits_cell(qtype, value) is ok


@pytest.mark.parametrize("question,sentence", [
    ("Who made fun of the language?", "The Anglo-Norman language became distinct from the Latin of the clerks."),
    ("Who settled the coast?", "In southern Italy, the settlers built towers along the coast."),
    ("Who named the region?", "The settlers (Frankish: Nortmanni; Latin: Normanni) named the region."),
])
def test_no_adjective_place_or_label_is_marked_for_who(question: str, sentence: str) -> None:
    assert not any(m in ("The Anglo-Norman", "Italy", "Frankish") for m in marks(question, sentence))


def test_a_count_is_marked_only_when_it_counts_what_was_asked() -> None:
    sentence = "In 1081 he led an army of 30,000 men in 300 ships to the southern shore."
    assert marks("How many men were in the army?", sentence) == ["30,000"]
    assert marks("How many ships sailed?", sentence) == ["300"]
    assert marks("How many horses were there?", sentence) == []  # two counts, neither of horses: unsure
    # A change between two periods is computed, not stated: neither rate is the answer.
    rates = "The effective tax rate was 21.6 percent and 24.6 percent for 2022 and 2021."
    assert marks("How much has the effective tax rate changed between FY2021 and FY2022?", rates) == []
    assert not fits_cell(None, "2022")  # a header year read as a cell


def test_a_duration_is_marked_whole() -> None:
    sentence = "The talks broke off, ushering in more than five years of complete disengagement."
    assert marks("How long has the disengagement lasted?", sentence) == ["more than five years"]
    assert marks("How long did they hold the island?", "They held the island for the following 380 years.") == \
        ["380 years"]
