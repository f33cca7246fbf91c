"""Outcomes of a run: answered / evidence / not_found counts and precision, evidence in view, and a reliability
table of the reported confidence (bins vs share right).

The confidence is the probability that the reply's best composed answer is right; only an `answered` reply shows
that answer, so the reliability table reads answered replies (run with threshold 0 to have every reply answered
and see every bin).

A reply is judged right by what it claims:
- `answered`: its first citation holds the reference context where that was found only by shingle overlap
  (evidence copied from another extraction, FinanceBench-style, whose reference answers are an analyst's
  words); else the answer contains a reference answer (short references), else its first citation overlaps
  the reference context (metric `answer_right`, set by eval.runner);
- `evidence`: the reference context is in view (the citations or the cards hold it);
- `not_found`: the question is unanswerable (the documents do not answer it).
A reply that cannot be judged (no reference, retrieval not scorable) counts in `n` but not in `judged`.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

OUTCOMES = ("answered", "evidence", "not_found")
"""What a reply is (app.types.OUTCOMES; repeated here: eval does not import the system it scores)."""
BINS = (0.0, 0.2, 0.4, 0.5, 0.6, 0.8, 1.0001)
"""Confidence bins of the reliability table (finer around the default answering threshold 0.5)."""


def outcome_of(ans: Any) -> str:
    """The reply's outcome: its `outcome` field, or for systems without one answered / not_found."""
    out = getattr(ans, "outcome", None)
    if out in OUTCOMES:
        return str(out)
    return "not_found" if ans.abstained else "answered"


def row_outcome(r: Mapping[str, Any]) -> str:
    """A result row's outcome (rows of runs before outcomes were recorded: answered / not_found)."""
    return r.get("outcome") or ("not_found" if r.get("abstained") else "answered")


def is_right(r: Mapping[str, Any]) -> bool | None:
    """Whether a result row's reply is right by what it claims (module docstring); None when not judged."""
    mt = r.get("metrics") or {}
    outcome = row_outcome(r)
    if r.get("error"):
        return None
    if outcome == "not_found":
        return not r.get("answerable", True)
    if not r.get("answerable", True):
        return False  # an answer or "related passages" for a question the documents do not answer
    if outcome == "answered":
        return None if mt.get("answer_right") is None else bool(mt["answer_right"])
    return None if mt.get("in_view") is None else bool(mt["in_view"])


def outcome_counts(results: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float | int | None]]:
    """Per outcome: replies, replies judged, right among them, and precision (right / judged)."""
    out: dict[str, dict[str, float | int | None]] = {}
    for o in OUTCOMES:
        rows = [r for r in results if not r.get("error") and row_outcome(r) == o]
        judged = [x for x in (is_right(r) for r in rows) if x is not None]
        out[o] = {"n": len(rows), "judged": len(judged), "right": sum(judged),
                  "precision": sum(judged) / len(judged) if judged else None}
    return out


def reliability(results: Sequence[Mapping[str, Any]]) -> list[dict[str, float | int | str]]:
    """Per confidence bin of the judged answered replies: replies, mean confidence, share right."""
    pts = [(float(r["confidence"]), right) for r in results
           if r.get("confidence") is not None and row_outcome(r) == "answered"
           and (right := is_right(r)) is not None]
    out: list[dict[str, float | int | str]] = []
    for lo, hi in zip(BINS, BINS[1:]):
        inside = [(c, y) for c, y in pts if lo <= c < hi]
        if inside:
            out.append({"bin": f"{lo:.1f}–{min(hi, 1.0):.1f}", "n": len(inside),
                        "confidence": sum(c for c, _ in inside) / len(inside),
                        "right": sum(y for _, y in inside) / len(inside)})
    return out
