"""Quote lookup: exact, tolerant of typography and line breaks, fuzzy, and clear not-found."""
from __future__ import annotations

import re

import pytest

from corpus import SAMPLE_DIR, load_file, sentence_spans
from index.quote import QuoteError, fold


def _mangle(s: str) -> str:
    s = s.replace("“", '"').replace("”", '"').replace("’", "'").replace("‘", "'")
    s = s.replace(" ", "  ")
    mid = s.find("  ", len(s) // 2)
    return s[:mid] + "\n" + s[mid + 2:] if mid > 0 else s


def test_every_sample_sentence_found_at_its_offsets_when_mangled(fake_api):
    doc = load_file(SAMPLE_DIR / "pursuing-stable-coexistence.txt")
    checked = 0
    for a, b in sentence_spans(doc.text):
        sent = doc.text[a:b]
        if len(sent) < 15:
            continue
        matches = fake_api.quote(_mangle(sent))
        assert matches, sent
        assert (matches[0].start, matches[0].end) == (a, b), sent
        checked += 1
    assert checked >= 10


NOT_IN_CORPUS = [
    "The committee approved the annual budget for municipal libraries.",
    "Photosynthesis converts light energy into chemical energy in plants.",
    "The marathon was won in record time by a runner from Kenya.",
    "Quantum computers use qubits that can exist in superposition.",
    "The bakery on the corner sells sourdough bread every morning.",
    "Volcanic eruptions can inject ash high into the stratosphere.",
    "The museum reopened after a two-year renovation of its east wing.",
    "Honeybees communicate the location of flowers through a waggle dance.",
    "The orchestra performed Beethoven's ninth symphony to a full hall.",
    "Glaciers in the Alps have retreated significantly since 1850.",
]


@pytest.mark.parametrize("sentence", NOT_IN_CORPUS)
def test_sentences_not_in_corpus_not_found(fake_api, sentence):
    assert fake_api.quote(sentence) == []


def test_near_miss_quote_is_found_fuzzily(fake_api):
    m = fake_api.quote("North Korea broke off working level talk with the United State, ushering in five years")
    assert m and not m[0].exact and m[0].score >= 0.85 and "working-level" in m[0].text


def test_quote_errors(fake_api):
    with pytest.raises(QuoteError):
        fake_api.quote("   ")
    with pytest.raises(QuoteError):
        fake_api.quote("x" * 6000)


def test_fold_maps_offsets_back():
    text = "An “example”—with  dashes\nand hyphen-\nated words."
    folded, offs = fold(text)
    assert folded == 'an "example"-with dashes and hyphenated words.'
    i = folded.index("hyphenated")
    assert text[offs[i]:offs[i + len("hyphenated") - 1] + 1] == "hyphen-\nated"
    assert re.search("example", folded)
