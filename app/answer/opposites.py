"""Direction words and their opposites, for the LLM sentence check (app/answer/support.py).

Each axis has two sides; every word form of a side is listed (no stemming: "lost" must not match "lose" by
accident of a stemmer, and a data table is easy to review). The alignment (app/answer/align.py) already refuses
any word its source does not hold; this table names the reason when the claim uses one side of an axis where its
source uses the other ("says 'increased' where the cited text says 'decreased'"), and the benchmark's antonym
rewrites come from it. Which words may stand for each other is app/answer/lexicon.py's business, not this table's.
A word may sit on more than one axis ("declined": a change down, and a refusal).
"""
from __future__ import annotations

import re


def _forms(*groups: str) -> frozenset[str]:
    return frozenset(w for g in groups for w in g.split())


AXES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "change": (
        _forms("increase increased increases increasing rise rises rose risen rising grow grows grew grown growing",
               "growth expand expands expanded expanding expansion climb climbed climbs soar soared surge surged",
               "jump jumped"),
        _forms("decrease decreased decreases decreasing fall falls fell fallen falling shrink shrinks shrank",
               "shrunk shrinking contracted contracting contraction decline declined declines declining drop",
               "dropped drops plunge plunged slump slumped"),
    ),
    "level": (
        _forms("higher highest greater greatest larger largest bigger biggest more"),
        _forms("lower lowest smaller smallest less fewer fewest"),
    ),
    "balance": (
        _forms("gain gains gained profit profits profitable surplus surpluses"),
        _forms("loss losses lose loses losing lost deficit deficits unprofitable"),
    ),
    "position": (_forms("above"), _forms("below")),
    "order": (_forms("before prior earlier"), _forms("after later afterwards")),
    "updown": (_forms("up"), _forms("down")),
    "outcome": (_forms("win wins won winning victory"), _forms("lose loses lost losing")),
    "assent": (
        _forms("approve approves approved approving approval accept accepts accepted accepting acceptance"),
        _forms("reject rejects rejected rejecting rejection defeated decline declined declines refuse refused",
               "refuses vetoed"),
    ),
    "sign": (_forms("positive positively"), _forms("negative negatively")),
    "strength": (
        _forms("strengthen strengthens strengthened strengthening stronger"),
        _forms("weaken weakens weakened weakening weaker"),
    ),
}
"""axis → (one side, the other side)."""

_WORD = re.compile(r"[a-z]+")


def sides(text: str) -> dict[str, set[int]]:
    """For each axis the text uses, which sides (0, 1) its words fall on."""
    words = set(_WORD.findall(text.lower().replace("’", "'")))
    out: dict[str, set[int]] = {}
    for axis, pair in AXES.items():
        used = {i for i, side in enumerate(pair) if words & side}
        if used:
            out[axis] = used
    return out


def opposite_of(claim: str, evidence: str) -> tuple[str, str] | None:
    """(claim word, evidence word) when the claim uses a side of an axis that its evidence uses only the other
    side of; None when no direction contradicts."""
    mine, theirs = sides(claim), sides(evidence)
    for axis, used in mine.items():
        other = theirs.get(axis)
        if not other:
            continue
        for side in used:
            if side not in other:
                cw = _first(claim, AXES[axis][side])
                ew = _first(evidence, AXES[axis][1 - side])
                return cw, ew
    return None


def _first(text: str, forms: frozenset[str]) -> str:
    return next(w for w in _WORD.findall(text.lower().replace("’", "'")) if w in forms)
