"""sentence_spans: rule-based boundaries that must survive real reports and scientific text."""
from __future__ import annotations

from pathlib import Path

import pytest

from corpus import SAMPLE_DIR, load_file, sentence_spans

COVID_DOCS = Path("/work/shared/eval-data/covid-qa-dev/docs")


def split(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


@pytest.fixture(scope="module")
def sample_sentences() -> list[str]:
    doc = load_file(SAMPLE_DIR / "pursuing-stable-coexistence.txt")
    return split(doc.text)


def test_sample_footnote_digits_end_sentences(sample_sentences: list[str]) -> None:
    ends = {s.split()[-1] for s in sample_sentences}
    assert "Pyongyang.2" in ends
    assert "targets.3" in ends
    assert "Ukraine.4" in ends
    assert "enemy.\u201d5" in ends
    starts = [s[:20] for s in sample_sentences]
    assert "That breakdown follo" in starts
    assert "Kim has also taken s" in starts
    assert "Against this backdro" in starts


def test_sample_abbreviations_and_lines(sample_sentences: list[str]) -> None:
    assert sample_sentences[0] == "8 May 2025"
    assert sample_sentences[1] == "Pursuing Stable Coexistence: A Reorientation of U.S. Policy Toward North Korea"
    assert sample_sentences[-1] == "No comments:"
    assert "Introduction" in sample_sentences
    summit = [s for s in sample_sentences if "U.S.\u2013North Korea" in s]
    assert len(summit) == 1 and summit[0].startswith("That breakdown") and summit[0].endswith("measures.")
    assert any(s.endswith("U.S. and allied territory alike.") for s in sample_sentences)
    assert len(sample_sentences) == 15


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("J. R. R. Tolkien wrote it. Then he slept.", ["J. R. R. Tolkien wrote it.", "Then he slept."]),
        ("Dr. Smith met Mr. Jones in St. Louis. It rained.", ["Dr. Smith met Mr. Jones in St. Louis.", "It rained."]),
        ("Use tools, e.g. Python, i.e. a language. Fine.", ["Use tools, e.g. Python, i.e. a language.", "Fine."]),
        ("See Fig. 3 and No. 5 on p. 4. Next.", ["See Fig. 3 and No. 5 on p. 4.", "Next."]),
        ("It started Jan. 5 and ended Dec. 9. Good.", ["It started Jan. 5 and ended Dec. 9.", "Good."]),
        ("Apples vs. Oranges. Pears, etc. are fine.", ["Apples vs. Oranges.", "Pears, etc. are fine."]),
        ("Smith et al. (2005) did it. Ok.", ["Smith et al. (2005) did it.", "Ok."]),
        ("The U.S. Congress met. Adjourned.", ["The U.S. Congress met.", "Adjourned."]),
        ("He had hepatitis B. The end.", ["He had hepatitis B.", "The end."]),
        ("A 3.6-fold risk (P = 0.013) was seen. Then more.", ["A 3.6-fold risk (P = 0.013) was seen.", "Then more."]),
        ("Our version 2.5 is out. Try it.", ["Our version 2.5 is out.", "Try it."]),
        ("Is it? Yes! Really\u2026 Sure.", ["Is it?", "Yes!", "Really\u2026", "Sure."]),
        ("He said \u201cstop.\u201d Then left.", ["He said \u201cstop.\u201d", "Then left."]),
        ("(This is aside.) Back to it.", ["(This is aside.)", "Back to it."]),
        ("Rates were 15-45% [1] . UNAIDS says so.", ["Rates were 15-45% [1] .", "UNAIDS says so."]),
        ("Levels rose. mRNA was measured.", ["Levels rose.", "mRNA was measured."]),
        ("We saw it in 2019. 2020 was worse.", ["We saw it in 2019.", "2020 was worse."]),
    ],
)
def test_inline_boundaries(text: str, expected: list[str]) -> None:
    assert split(text) == expected


def test_hard_wrapped_prose_is_not_split() -> None:
    text = (
        "The virus spread rapidly through the population of several northern\n"
        "provinces and reached the capital within weeks of the first report\n"
        "Officials said. A long line that continues onto a capitalised name like\n"
        "Washington keeps going."
    )
    assert split(text) == [
        "The virus spread rapidly through the population of several northern\n"
        "provinces and reached the capital within weeks of the first report\n"
        "Officials said.",
        "A long line that continues onto a capitalised name like\nWashington keeps going.",
    ]


def test_short_wrapped_lines_ending_in_function_words_continue() -> None:
    text = "Those constructs bearing the\n1918 HA and NA are pathogenic in\nmice (31). Furthermore, it is."
    assert split(text) == [
        "Those constructs bearing the\n1918 HA and NA are pathogenic in\nmice (31).",
        "Furthermore, it is.",
    ]


def test_short_lines_and_blank_lines_end_sentences() -> None:
    text = "Introduction\nThe study began\n\nbut this is a new paragraph\nDate: 2013-01-11\nNo comments:"
    assert split(text) == [
        "Introduction",
        "The study began",
        "but this is a new paragraph",
        "Date: 2013-01-11",
        "No comments:",
    ]


def test_list_enumerator_stays_with_its_item() -> None:
    assert split("Steps\n1. Wash hands. 2. Dry them.") == ["Steps", "1. Wash hands.", "2. Dry them."]


def test_spans_exclude_whitespace_and_rebuild_text() -> None:
    text = "  One.  Two?\n\n Three!  \nFour \t\nFive"
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == ["One.", "Two?", "Three!", "Four", "Five"]
    rebuilt = text[: spans[0][0]]
    for (a, b), nxt in zip(spans, [s for s, _ in spans[1:]] + [len(text)]):
        assert not text[a].isspace() and not text[b - 1].isspace()
        assert text[b:nxt].strip() == ""
        rebuilt += text[a:b] + text[b:nxt]
    assert rebuilt == text


def test_start_end_window() -> None:
    text = "Skip me. Take one. Take two. Skip too."
    start = text.index("Take one")
    end = text.index(" Skip too")
    assert [text[a:b] for a, b in sentence_spans(text, start, end)] == ["Take one.", "Take two."]
    assert sentence_spans(text, 5, 5) == []
    assert sentence_spans("") == [] and sentence_spans(" \n ") == []


def test_covid_docs_spans_are_clean() -> None:
    if not COVID_DOCS.is_dir():
        pytest.skip("covid-qa eval data not present")
    for path in sorted(COVID_DOCS.glob("*.txt"))[:10]:
        text = load_file(path).text
        spans = sentence_spans(text)
        assert spans, path
        prev = 0
        for a, b in spans:
            assert prev <= a < b
            assert not text[a].isspace() and not text[b - 1].isspace()
            assert text[prev:a].strip() == "" or prev == 0
            prev = b
        # Within a line, a sentence never ends right before a lowercase word ("2.5 is", "e.g. the").
        for (_, b), (c, _) in zip(spans, spans[1:]):
            assert not (text[b:c] == " " and text[c].islower()), text[b - 30 : c + 10]
