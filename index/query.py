"""A question read like an analyst's: what to retrieve with, and what is only an instruction to the reader.

Analysts' questions carry instructions ("Answer in USD millions.", "Round to two decimal places.", "If
operating margin is not a useful metric for a company like this, then please state that and explain why.")
and lead-ins ("Assume that you are a public equities analyst. Answer the following question …: what is …").
Those words match every filing's boilerplate, so they are kept out of retrieval (the question as asked is
kept for display). A statement the instruction names ("… shown in the cash flow statement") is kept as a
hint: it says where the figure is. The lexical query also gets the statement names of the line items the
question uses (index/synonyms.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from index.synonyms import expansions, named_statements, statements_of_items

__all__ = ["Query", "analyse"]

# A sentence that only tells the reader how to answer.
_INSTRUCTION = re.compile(
    r"^(?:answer|round|give|base|approach|assume|please|calculate|compute|provide|respond|express|use|using"
    r"|show|state|explain|report|we want|here'?s|here is|if\b.*\b(?:state|explain)|by drawing|in agreement"
    r"|rely|relying|focus|consider|note|the answer|your answer|don'?t|do not)\b", re.I)
# A lead-in that ends at a colon, with the question after it ("… answer the following question: what is …").
_LEAD_IN = re.compile(r"^(?P<lead>[^:?]{0,300}\b(?:question|answer|following|abilities|standpoint|statement|sheet)"
                      r"[^:?]{0,120}):\s*(?P<rest>\S.*)$", re.I | re.S)
# A lead-in that announces the question ("… answer the following question:").
_ASKS = re.compile(r"\b(?:following question|the question|answer)\b", re.I)
# Clauses inside a question that are formatting instructions.
_CLAUSES = re.compile(
    r"\((?:in|as a|as an?|expressed in)\s[^)]{1,40}\)"
    r"|,?\s*(?:answer|expressed|reported|rounded?) (?:in|to) (?:units of )?[^.?,;]{1,40}(?=[.?,;]|$)", re.I)
_STATEMENT = re.compile(
    r"cash ?flows? statement|statements? of cash flows?|balance sheets?|statements? of financial position"
    r"|income statements?|statements? of (?:income|operations|earnings)|p&l", re.I)
_STATEMENT_WORDS = {"cash": "cash flows", "balance": "balance sheet", "financial position": "balance sheet",
                    "income": "statement of income", "operations": "statement of operations",
                    "earnings": "statement of earnings", "p&l": "statement of income"}
# "FY2018" / "FY 2018" / "FY18": statements print the year itself ("2018").
_FISCAL_YEAR = re.compile(r"\bFY\s?((?:19|20)?\d\d)\b", re.I)
# A question about causes or expectations: answered by the discussion of a figure (or the outlook), not by the
# statement that prints last year's figure.
_WHY = re.compile(r"\b(?:why|what (?:drove|drives|caused|explains)|drivers?|reasons?|explain|expect(?:s|ed|ations?)?"
                  r"|guidance|outlook|forecasts?)\b", re.I)
_SENTENCES = re.compile(r"(?<=[.?!])\s+(?=[A-Z(\"'])")


@dataclass(frozen=True)
class Query:
    """A question split into what retrieval reads and what only tells the reader how to answer."""

    asked: str
    """The question as asked (what is displayed)."""
    text: str
    """The question without its instructions: the dense query, and what routing and answer scoring read."""
    lexical: str
    """`text` plus statement hints and line-item synonyms: the BM25 query."""
    instructions: tuple[str, ...] = field(default_factory=tuple)
    """The instruction sentences and clauses that were taken out."""
    statements: tuple[str, ...] = field(default_factory=tuple)
    """Statement kinds (corpus/statements.py) the question names anywhere, its instructions included."""
    items: tuple[str, ...] = field(default_factory=tuple)
    """Statement kinds holding the line items the question uses (index/synonyms.py); empty for a question that
    asks why, what drove a figure or what is expected — the discussion or the outlook answers that."""


def _statement_hints(removed: list[str]) -> list[str]:
    out: list[str] = []
    for part in removed:
        for m in _STATEMENT.finditer(part):
            s = m.group(0).lower()
            for key, words in _STATEMENT_WORDS.items():
                if key in s and words not in out:
                    out.append(words)
                    break
    return out


def analyse(question: str) -> Query:
    """Split `question` into its retrieval text and its instructions (see module docstring).

    A question that is all instruction keeps its whole text, so retrieval always has words to read."""
    q = " ".join(question.split())
    removed: list[str] = []
    kept: list[str] = []
    for sent in _SENTENCES.split(q):
        m = _LEAD_IN.match(sent)
        if m and (_INSTRUCTION.match(m.group("lead").strip()) or _ASKS.search(m.group("lead"))):
            removed.append(m.group("lead"))
            sent = m.group("rest")
        if _INSTRUCTION.match(sent) and not sent.rstrip().endswith("?"):
            removed.append(sent)
            continue
        kept.append(sent)
    text = " ".join(kept)
    for m in _CLAUSES.finditer(text):
        removed.append(m.group(0).strip(" ,"))
    text = _CLAUSES.sub("", text).strip()
    text = " ".join(text.split())
    if not re.search(r"\w", text):
        text = q
    # "FY2018" is no word of any statement: retrieval and scoring read the year it names ("2018").
    text = _FISCAL_YEAR.sub(lambda m: m.group(1) if len(m.group(1)) == 4 else "20" + m.group(1), text)
    hints = _statement_hints(removed)
    lexical = " ".join([text, *hints, *expansions(text)])
    return Query(asked=question, text=text, lexical=lexical, instructions=tuple(removed),
                 statements=named_statements(q), items=() if _WHY.search(text) else statements_of_items(text))
