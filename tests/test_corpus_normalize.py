"""normalize_text / join_hyphenated: the canonical text every citation indexes into."""
from __future__ import annotations

from pathlib import Path

import pytest

from corpus import SAMPLE_DIR, normalize_text
from corpus.normalize import join_hyphenated

COVID_DOCS = Path("/work/shared/eval-data/covid-qa-dev/docs")


def test_nfc_composes_but_keeps_typography() -> None:
    raw = "cafe\u0301 \u201cquoted\u201d \u2014 it\u2019s \ufb01ne"
    out = normalize_text(raw)
    assert out == "caf\u00e9 \u201cquoted\u201d \u2014 it\u2019s \ufb01ne"  # NFC, not NFKC: ligature kept


def test_zero_width_and_control_chars_removed() -> None:
    raw = "ze\u200bro\u200c wi\u200ddth\u2060 \ufeffbom a\x00b\x07c\x1bd\x7fe\x9ff so\u00adft"
    assert normalize_text(raw) == "zero width bom abcdef soft"


def test_whitespace_rules() -> None:
    raw = "  first\tline   with  spaces   \r\nsecond\rthird\n\n\n\n\nfourth  \n \n\nfifth\f sixth  "
    assert normalize_text(raw) == "first line with spaces\nsecond\nthird\n\nfourth\n\nfifth\n sixth"


def test_paragraph_breaks_kept() -> None:
    assert normalize_text("One.\n\nTwo.\nThree.") == "One.\n\nTwo.\nThree."


@pytest.mark.parametrize("raw", ["", "   \n\t\n ", "\u200b\ufeff"])
def test_blank_input_gives_empty(raw: str) -> None:
    assert normalize_text(raw) == ""


def test_idempotent_on_real_text() -> None:
    texts = [(SAMPLE_DIR / "pursuing-stable-coexistence.txt").read_text(encoding="utf-8")]
    if COVID_DOCS.is_dir():
        texts += [p.read_text(encoding="utf-8") for p in sorted(COVID_DOCS.glob("*.txt"))[:5]]
    for raw in texts:
        once = normalize_text(raw)
        assert normalize_text(once) == once


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("an exam-\nple here", "an example here"),
        ("trans-\nmission and re-\n sistance", "transmission and resistance"),
        ("COVID-\n19 cases", "COVID-\n19 cases"),  # digit after the break: a real hyphen
        ("Jean-\nPierre", "Jean-\nPierre"),  # capital after the break: a real hyphen
        ("a dash -\nhere", "a dash -\nhere"),  # no letter before the hyphen
        ("caf\u00e9-\n\u00e9t\u00e9", "caf\u00e9\u00e9t\u00e9"),
    ],
)
def test_join_hyphenated(raw: str, expected: str) -> None:
    assert join_hyphenated(raw) == expected
