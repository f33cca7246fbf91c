"""Canonical text form shared by every loader: the text that passages and citations index into."""
from __future__ import annotations

import re
import unicodedata

# Line and paragraph separators other than \n; form feed and vertical tab usually mark page or
# line breaks in exported text, so turning them into newlines keeps the words on either side apart.
_LINE_BREAKS = str.maketrans(
    {
        "\r": "\n",
        "\x0b": "\n",
        "\x0c": "\n",
        "\x85": "\n",
        "\u2028": "\n",
        "\u2029": "\n\n",
        "\t": " ",
    }
)
# Invisible characters: they break verbatim matching of quotes copied from a rendered page.
# The soft hyphen is included for the same reason (it never shows unless a line breaks there).
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
# C0/C1 control characters; \n survived above and \t was turned into a space.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_TRAILING_SPACES = re.compile(r" +(?=\n)")
_SPACE_RUNS = re.compile(r" {2,}")
_MANY_NEWLINES = re.compile(r"\n{3,}")
# A hyphen at the end of a line followed by a lowercase letter: a word split by typesetting.
_HYPHEN_BREAK = re.compile(r"(?<=[^\W\d_])-\n ?(?=[a-z\u00df-\u00f6\u00f8-\u00ff])")


def normalize_text(raw: str) -> str:
    """Return the canonical form of `raw`: NFC, no invisible/control chars, tidy spaces and newlines."""
    # \r\n first so it becomes one newline, not two.
    text = raw.replace("\r\n", "\n").translate(_LINE_BREAKS)
    # NFC, not NFKC: curly quotes, dashes and ligature-free forms are quoted verbatim later.
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub("", text)
    text = _SPACE_RUNS.sub(" ", text)
    text = _TRAILING_SPACES.sub("", text)
    text = _MANY_NEWLINES.sub("\n\n", text)
    return text.strip()


def join_hyphenated(text: str) -> str:
    """Join words hyphenated across a line break (`exam-\\nple` -> `example`); meant for PDF text."""
    # Only before a lowercase letter: `COVID-\n19` or `Jean-\nPierre` keep their hyphen.
    return _HYPHEN_BREAK.sub("", text)
