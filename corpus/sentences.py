"""Rule-based sentence boundaries as character spans into the canonical text (stdlib `re` only)."""
from __future__ import annotations

import re

# One regex finds every *candidate* boundary; Python then judges each candidate. Candidates are
# about as frequent as sentences (not characters), which keeps this fast on large corpora.
#   1. terminal punctuation, closing quotes/brackets, an optional glued footnote number, whitespace
#   2. any whitespace run holding a newline (headings, stray lines, paragraph breaks)
_CLOSERS = "\"'”’»)\\]"
# The leading lookahead lets the engine reject most positions with one class test (~3x faster).
_CANDIDATE = re.compile(
    r"(?=[.!?…\n])(?:"
    rf"(?P<punct>[.!?…]+)(?P<close>[{_CLOSERS}]*)(?P<fn>\d{{1,3}})?(?P<ws>\s+)"
    r"|(?P<nl>\n\s*))"
)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
# A lowercase-initial word with a capital inside (mRNA, siRNA, iPhone) can still open a sentence.
_MIXED_CASE_WORD = re.compile(r"[a-z]+[A-Z]")

# Abbreviations after which a period never ends a sentence (compared lowercased, no final dot).
_ABBREVIATIONS = frozenset(
    """
    mr mrs ms messrs dr prof st sr jr mt ft gen col lt capt sgt rev hon gov sen rep pres
    fig figs eq eqs ref refs vol vols ch sect suppl vs v cf e.g i.e al approx ca resp viz
    jan feb mar apr jun jul aug sep sept oct nov dec
    """.split()
)
# Abbreviations that only stay glued to a following number ("No. 5", "pp. 3-4").
_NUMBER_ABBREVIATIONS = frozenset({"no", "nos", "p", "pp", "nr", "art", "tab"})
_DOTTED_ACRONYM = re.compile(r"(?:[A-Z]\.)+[A-Z]")
_LEADING_OPENERS = "([{\"'“‘«"
_TOKEN_BEFORE = re.compile(r"\S+\Z")

# Words that (almost) never end a heading or a sentence: a short line ending in one of them, or in
# a comma or dash, is hard-wrapped prose ("...infected with the\n1918 strain"), not a heading.
_WRAP_WORDS = (
    "a an the of and or nor but to in on at by for from with into onto upon via per as than that "
    "which who whom whose when where while if is are was were be been being has have had its their "
    "his her our your this these those such between among after before during until about over "
    "under within without against through toward towards not also both each all any some more most "
    "very may can could would should will shall whether because since although though"
)
_WRAP_END = re.compile(rf"(?:[,\-–—(/&+=]|(?<![^\W\d_])(?:{'|'.join(_WRAP_WORDS.split())}))$")

SHORT_LINE_CHARS = 60
"""A line at most this long that ends at a single newline is taken as its own sentence (heading)."""


def _word_before(text: str, pos: int, lo: int) -> tuple[str, int]:
    """Return the non-space token ending at `pos` and where it starts (never before `lo`)."""
    # Abbreviations are short, so looking back 40 chars is enough (and bounded on long URLs).
    m = _TOKEN_BEFORE.search(text, max(lo, pos - 40), pos)
    return (m.group(), m.start()) if m else ("", pos)


def _is_abbreviation(text: str, punct_start: int, next_pos: int, lo: int, end: int) -> bool:
    """True when the period at `punct_start` closes an abbreviation or initial, not a sentence."""
    token, tok_start = _word_before(text, punct_start, lo)
    token = token.lstrip(_LEADING_OPENERS)
    if not token:
        return False
    low = token.lower()
    if low in _ABBREVIATIONS:
        return True
    next_ch = text[next_pos] if next_pos < end else ""
    if low in _NUMBER_ABBREVIATIONS and next_ch.isdigit():
        return True
    if _DOTTED_ACRONYM.fullmatch(token):  # U.S., U.K.
        return True
    if len(token) == 1 and token.isupper():
        # An initial ("J. R. R. Tolkien", "Brian J. Ward") follows a capitalised word, another
        # initial or a sentence start; "hepatitis B." or "group A." follow lowercase words.
        prev, _ = _word_before(text, tok_start - 1, lo) if tok_start - 1 > lo else ("", 0)
        prev = prev.lstrip(_LEADING_OPENERS)
        return not prev or prev[0].isupper() or prev[-1] in ".!?:;"
    if token.isdigit() and len(token) <= 3:
        # A list enumerator at the start of a line ("2. Methods") is not a sentence of its own.
        return tok_start == lo or text[tok_start - 1] == "\n"
    return False


def _starts_lowercase(text: str, pos: int, end: int) -> bool:
    """True when the text at `pos` starts with a lowercase word that cannot open a sentence."""
    if pos >= end or not text[pos].islower():
        return False
    return _MIXED_CASE_WORD.match(text, pos, min(end, pos + 40)) is None


def _line_start(text: str, pos: int, lo: int) -> int:
    """Offset where the line holding `pos` starts (never before `lo`)."""
    return max(lo, text.rfind("\n", lo, pos) + 1)


# A table row in canonical text: one line whose cells are separated by " | " (PDF, HTML and DOCX tables).
_TABLE_ROW = re.compile(r"^[^\n]*? \| [^\n]*$", re.MULTILINE)


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Split text[start:end] into sentences; return (start, end) spans into `text`, whitespace excluded.

    A table row (a line with ` | ` between cells) is always one unit of its own: a figure is cited
    with its row label, and the row never runs on into the next one.
    """
    if end is None or end > len(text):
        end = len(text)
    if " | " not in text[start:end]:
        return _prose_spans(text, start, end)
    spans: list[tuple[int, int]] = []
    pos = start
    for m in _TABLE_ROW.finditer(text, start, end):
        spans.extend(_prose_spans(text, pos, m.start()))
        s, e = m.span()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
        pos = m.end()
    spans.extend(_prose_spans(text, pos, end))
    return spans


def _prose_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """sentence_spans for text without table rows."""
    # Skip leading whitespace so the first span starts on a visible character.
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start >= end:
        return []

    spans: list[tuple[int, int]] = []
    sent_start = start
    for m in _CANDIDATE.finditer(text, start, end):
        next_pos = m.end()
        if next_pos >= end:
            break  # trailing whitespace was trimmed, so this only happens at the very end
        if m.group("nl") is not None:
            ws_start, ws = m.start("nl"), m.group("nl")
            # Un-normalised input may have spaces before the newline; keep them out of the span.
            while ws_start > sent_start and text[ws_start - 1] in " \t":
                ws_start -= 1
            punct_ok = False
        else:
            ws_start, ws = m.start("ws"), m.group("ws")
            punct_ok = _punct_ends_sentence(text, m, next_pos, sent_start, end)
        if _BLANK_LINE.search(ws):
            split = True  # a paragraph break always ends a sentence
        elif punct_ok:
            split = True
        elif "\n" in ws:
            split = _newline_ends_sentence(text, ws_start, next_pos, start, end)
        else:
            split = False
        if split and ws_start > sent_start:
            spans.append((sent_start, ws_start))
            sent_start = next_pos
    spans.append((sent_start, end))
    return spans


def _punct_ends_sentence(text: str, m: re.Match[str], next_pos: int, lo: int, end: int) -> bool:
    """Judge a punctuation candidate: decimals, footnotes, abbreviations, lowercase continuations."""
    punct_start = m.start("punct")
    if m.group("fn") is not None:
        # Digits glued after the period are a footnote only after a word or closing bracket/quote
        # ("Pyongyang.2", "enemy.”5"); after a digit they are a decimal ("2.5 is").
        before = text[punct_start - 1] if punct_start > lo else ""
        if not (before.isalpha() or (before and before in _CLOSERS) or m.group("close")):
            return False
    if _starts_lowercase(text, next_pos, end):
        return False
    if m.group("punct") == "." and _is_abbreviation(text, punct_start, next_pos, lo, end):
        return False
    return True


def _newline_ends_sentence(text: str, nl_pos: int, next_pos: int, lo: int, end: int) -> bool:
    """Judge a single newline: short lines end a sentence, hard-wrapped prose does not."""
    # The whole line counts, not just the current sentence's tail on it.
    if _starts_lowercase(text, next_pos, end):
        return False  # hard wrap in the middle of a sentence
    line = text[_line_start(text, nl_pos, lo) : nl_pos].strip()
    if len(line) <= SHORT_LINE_CHARS:
        # Heading, date line, byline, "No comments:" -- unless it visibly continues.
        return _WRAP_END.search(line) is None
    # A long line ending in ':' or ';' introduces a list or block; any other long line without
    # accepted sentence punctuation is a hard wrap.
    return line.endswith((":", ";"))
