"""The one place Milvus filter-expression strings are built from text: string literals and LIKE patterns.

Milvus parses a filter's string literal with C-style escapes (backslash, double quote, \\n, \\r, \\t; a raw
newline ends the literal and any other backslash escape is an error), and a LIKE pattern then treats `%`
and `_` as wildcards unless escaped. Text from a client (a quote, a document id) reaches a filter through
these functions only, so it can neither break the expression nor widen it: tests/test_milvus_filter.py
checks every character class against Milvus Lite.
"""
from __future__ import annotations

_LITERAL = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def literal(text: str) -> str:
    """`text` as a double-quoted Milvus string literal (for ==, in [...] and LIKE)."""
    return '"' + "".join(_LITERAL.get(ch, ch) for ch in text) + '"'


def like_contains(text: str) -> str:
    """A quoted LIKE pattern matching every string that contains `text` (`%` and `_` mean themselves).

    A backslash in `text` becomes a `%` wildcard: Milvus Lite unescapes a doubled backslash in some LIKE
    plans and not in others (measured), so the pattern may match a little more — callers check the text.
    """
    parts = [p.replace("%", "\\%").replace("_", "\\_") for p in text.split("\\")]
    return literal("%" + "%".join(parts) + "%")
