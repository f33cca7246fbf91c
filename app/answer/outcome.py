"""When no answer is probably right: related passages ('evidence') or nothing relevant ('not_found').

A shown passage is related when it holds enough of the question or is close to it (app/answer/cards.py applies
the thresholds below to every shown passage). `is_related` reads one candidate's passage-level features — how much of the question (idf-weighted)
its passage holds (`pcov`) and how close the passage's best sentence is to the question (`pdense`) — and
says 'evidence' when either clears its threshold. The thresholds are fitted by `python -m bench.outcomes
--fit` on the dev sets (answerable questions whose evidence is retrieved vs off-topic and unanswerable ones)
and reported on a set they were not fitted on (README "Three outcomes"). Fitted 2026-12-03 on
financebench-dev + squad2-normans (111 related / 80 off-topic questions): balanced accuracy 0.943.
"""
from __future__ import annotations

from typing import Sequence

__all__ = ["EVIDENCE_PCOV", "EVIDENCE_PDENSE", "is_related"]

EVIDENCE_PCOV = 0.45
"""A passage holding at least this share of the question's weight is related."""
EVIDENCE_PDENSE = 0.55
"""A passage whose best sentence is at least this close (cosine) to the question is related."""


def is_related(features: Sequence[float]) -> bool:
    """Whether the best candidate's passage is related to the question (features as `Sentence.features()`:
    cov, pcov, dense, pdense, type, oov, maxmiss)."""
    _cov, pcov, _dense, pdense = features[:4]
    return pcov >= EVIDENCE_PCOV or pdense >= EVIDENCE_PDENSE
