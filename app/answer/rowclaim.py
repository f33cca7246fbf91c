"""A claim checked against one table row: "Adjusted EBITDA was 2,117 million for the twelve months ended
December 31, 2022 [1]" against the row "Adjusted EBITDA | 609 | 540 | 2,117 | 2,018" under its header.

A row states one fact per cell: (row label, column label, value), in the table's unit. A claim restates one of
them when its significant words are, in this order, an optional period block, the row label (all its words, in
order), linking words ("was", "of", "totaled", …), the cell's value with the table's scale and currency, and an
optional period block — every period word taken from that cell's column label, and enough of them that no other
column with another value fits too ("in 2022" is refused where a 2022 quarter and a 2022 year differ). A
negative cell ("(1,577)") must be written with its sign. A row the table reader cannot label (corpus/tables.py)
is read as a sentence, its cells as segments.
"""
from __future__ import annotations

import re

from app.answer.align import match
from app.answer.lexicon import key as lexicon_key
from app.answer.wording import Word, significant, words
from corpus.tables import row_view

LINKS = frozenset(lexicon_key(w) for w in "of for at in to total totaled totalled amount amounted stood came during "
                                        "as end ended".split())
"""Words that may join a row label, a value and a period in a claim ("… was 2,117 for the year ended …")."""
_SCALES = {"thousands": "thousand", "millions": "million", "billions": "billion"}
_UNIT = re.compile(r"\b(?:in|\$\s*in|amounts in|dollars in)\s+(thousands|millions|billions)\b", re.I)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SCALE_KEYS = frozenset(lexicon_key(w) for w in ("thousand", "million", "billion", "trillion"))
_CURRENCY_KEYS = frozenset(lexicon_key(w) for w in ("usd", "eur", "£"))
_PERCENT = lexicon_key("percent")


def _keys(text: str) -> list[str]:
    return [w.key for w in significant(words(text))]


_FIGURE = re.compile(r"[\s$€£(−–-]*\d[\d,.]*\s*%?\s*\)?\s*")


def _value(cell: str) -> tuple[str, bool] | None:
    """(digits without separators, negative?) of a figure cell ("(1,577)", "$ 2,117", "12.5%"), or None when the
    cell is not a figure ("December 31,")."""
    m = _NUMBER.search(cell)
    if not m or not _FIGURE.fullmatch(cell):
        return None
    digits = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", m.group()).rstrip(".,")
    return digits, "(" in cell or cell.strip().startswith(("-", "−", "–"))


def row_mismatch(claim: list[Word], excerpt: str, start: int, end: int, claim_text: str = "") -> tuple[str, int]:
    """('', n) when the claim's significant words restate one cell of the row at excerpt[start:end] (module
    docstring), else (why not, n); n is how many words of the row's label the claim names (0: another row)."""
    view = row_view(excerpt, end)
    if view is not None and not any(_value(c) for c in view.cells):
        view = None  # a header line ("December 31, | December 31,"): no value to restate
    if view is None or not view.label:
        ok = match(tuple(w.key for w in claim), excerpt[start:end].replace(" | ", ", ")) is not None
        return ("" if ok else "it does not restate the cited table row"), 0
    label = _keys(view.label)
    keys = [w.key for w in claim]
    n = len(label)
    at = [i for i in range(len(keys) - n + 1) if keys[i:i + n] == label]
    if not label or not at:
        return f"it does not name the cited row ({' '.join(view.label.split())!r}) as the table does", 0
    return _cell_mismatch(claim, keys, at[0], n, view, excerpt, start, end, claim_text), n


def _cell_mismatch(claim: list[Word], keys: list[str], i: int, n: int, view, excerpt: str, start: int, end: int,
                   claim_text: str) -> str:
    """Why the claim, which names the row's label at claim[i:i+n], restates none of its cells ('' when it does)."""
    nums = [j for j, w in enumerate(claim) if w.kind == "number" and j >= i + n]
    if not nums:
        return "it gives no value after the row's label"
    v = nums[0]
    scale = (_UNIT.search(excerpt[max(0, start - 3000):start]) or _UNIT.search(" ".join(view.columns)))
    table_scale = lexicon_key(_SCALES[scale.group(1).lower()]) if scale else None
    after = v + 1
    tail: list[Word] = []
    while after < len(keys) and (keys[after] in _SCALE_KEYS or keys[after] in _CURRENCY_KEYS
                                 or keys[after] == _PERCENT):
        tail.append(claim[after])
        after += 1
    wrong = [w for w in tail if w.key in _SCALE_KEYS and w.key != table_scale]
    if wrong:
        return f"{wrong[0].text!r} is not the table's unit ({scale.group(1).lower() if scale else 'none given'})"
    if _CURRENCY_KEYS & {w.key for w in tail} and "$" not in excerpt[max(0, start - 3000):end]:
        return "its currency is not in the cited table"
    # between the label and the value only linking words; before the label and after the value a period block
    extra = [claim[j] for j in range(i + n, v) if keys[j] not in LINKS]
    if extra:
        return f"{extra[0].text!r} is not in the cited row (only a label, a period and a value are)"
    period = [k for k in keys[:i] + keys[after:] if k not in LINKS]
    fits = []
    for j, cell in enumerate(view.cells):
        val = _value(cell)
        if val is not None and set(period) <= set(_keys(view.columns[j])):
            fits.append((j, val))
    values = {val for _, val in fits}
    if not values:
        return "its period is in no column label of the cited table"
    if len(values) > 1:
        return "its period fits columns with different values (name the column as the table does)"
    digits, negative = values.pop()
    if keys[v] != digits:
        return f"the row holds {view.cells[fits[0][0]]!r} there, not {claim[v].text!r}"
    if _PERCENT in {w.key for w in tail} and "%" not in view.cells[fits[0][0]] + view.label:
        return "the cell is not a percentage"
    if negative and not re.search(r"[-−(]\s*\$?\s*" + ",?".join(map(re.escape, digits)), claim_text):
        return f"the cell is negative ({view.cells[fits[0][0]]}); the sentence drops its sign"
    return ""
