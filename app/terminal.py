"""Text bound for a terminal: control characters in names made visible, so a file name cannot move the cursor,
recolour or erase a line, or start a line of its own.

A file indexed from a folder keeps its name as it is (`groundqa docs --json` and the HTTP API give it exactly);
what the CLI prints shows each control character as an escape instead: ESC as `\\x1b`, a newline as `\\n`,
bidirectional overrides (which reorder what follows them on screen) as `\\u202e`.
"""
from __future__ import annotations

import re

__all__ = ["escape_controls", "escape_lines"]

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""C0 and C1 controls (ESC, CR, newline, backspace, CSI…), DEL, line/paragraph separators, and the bidirectional
marks, embeddings, overrides and isolates."""
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match[str]) -> str:
    ch = m.group()
    if ch in _NAMED:
        return _NAMED[ch]
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def escape_controls(text: object) -> str:
    """`text` (a name, a title, a one-line message) with every control character shown as an escape."""
    return _UNSAFE.sub(_escape, str(text))


def escape_lines(text: object) -> str:
    """Several lines of text: each line escaped, the line breaks between them kept."""
    return "\n".join(escape_controls(line) for line in str(text).split("\n"))
