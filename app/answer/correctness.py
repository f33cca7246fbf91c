"""The correctness model: the probability that a composed answer is right, and the decision it makes.

Every way of answering (a `kind`: document sentences, a table cell, a front-matter line) composes a candidate
answer; `features` describes it in the same named terms whatever its kind, `probability` reads them through
one logistic model, and `decide` shows the most probable candidate as `answered` only when it is probably
right (at least `Settings.answer.threshold`; `text_threshold` for answers from plain text); everything else is `evidence` (related passages shown) or, when
no shown passage is related, `not_found`. The reported confidence of every reply is this probability.

Features (all in [0, 1] or small counts; a kind's features that do not apply are 0):
- `cell`, `computed`, `frontmatter`: the kind (sentence answers are the base; `computed` is a figure computed from
  statement cells that passed `verify`, app/answer/compute/); a new kind adds a column and a refit (a
  front-matter answer is right at its measured rate, `correctness_fit.FRONTMATTER_RATE`: a rule matched a line,
  and the line shares no words with the question for the other features to read);
- `rank`: 1 / the retrieval rank of the passage the answer cites first;
- `cov`, `pcov`, `dense`, `pdense`, `type`, `oov`, `maxmiss`: the lead sentence's (or the cell's row's) match with
  the question, as app/answer/sentences.py scores it;
- `margin`: how far the lead sentence's score is above the best sentence of another passage (off-target
  sentences from a low-ranked passage beat the top passages by little);
- `no_figure`: the question asks for a figure and the answer holds none (a year is not a figure);
- `year_miss`: the question names a year that neither the answer nor the text it cites mentions;
- `label`: for a cell, how well its row label matches the question (app/answer/cells.py); 1 for a computed
  answer (every operand's label matched by rule);
- `statement`: the question names a financial statement ("… shown in the balance sheet") and the answer cites a
  passage under that statement's heading;
- `derived`: the question asks for a figure computed from others (a ratio, an average, a growth rate, a change
  between periods), which one quoted line rarely states;
- `row_line`: a sentence answer whose lead is a table row (a row of figures, not a statement about them);
- `paged`: the answer cites a paginated document (a PDF: a filing, a report) rather than plain text. Filings
  repeat their topics on many pages (MD&A, notes, statements), so a sentence that matches the question well is
  far less often the analysts' evidence than in an article; this lets one model hold both rates instead of
  averaging them (measured: `python -m bench.outcomes --fit`, the held-out folds in correctness_fit.py).

The fitted numbers are in app/answer/correctness_fit.py, with the held-out measurement that set them; they
are regenerated from the dev sets by `python -m bench.outcomes --fit --write`.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from app.answer import correctness_fit as fit
from app.answer.statements import in_statement, named_statements
from app.answer.cells import _years as question_years  # the years a question names, read as the cell reader does
from app.answer.qtypes import question_type
from app.answer.sentences import Sentence
from app.types import Answer

FEATURES = ("cell", "computed", "frontmatter", "rank", "cov", "pcov", "dense", "pdense", "type", "oov", "maxmiss", "margin",
            "no_figure", "year_miss", "label", "statement", "derived", "row_line", "paged")
"""The model's inputs, in the order of its coefficient vector."""

_ASKS_FIGURE = re.compile(r"\b(?:how (?:much|many)|amount|ratio|rate|margin|percent(?:age)?|USD|dollars?|"
                          r"in (?:millions|billions|thousands)|per share|EPS|total|value)\b|\$|%", re.I)
_FIGURE = re.compile(r"\d[\d,]*(?:\.\d+)?")
_MARKERS = re.compile(r"\[\d+\]")
_DERIVED = re.compile(r"\b(?:ratio|turnover|average|growth rate|rate of growth|CAGR|compound(?:ed)? annual|"
                      r"margin|as a %|% of|percent(?:age)? of|change(?:d)? (?:between|from)|how many times|"
                      r"days (?:payable|sales|inventory)|calculate|compute)\b", re.I)


@dataclass
class Candidate:
    """One composed answer (outcome 'answered') with what the model reads about it."""

    kind: str
    answer: Answer
    rank: int
    """Retrieval rank (1-based) of the passage the answer cites first."""
    lead: Sentence | None = None
    """The lead sentence, or the scored sentence unit of a cell's row (None when not scored)."""
    margin: float = 0.0
    label: float = 0.0
    features: dict[str, float] = field(default_factory=dict)
    p: float = 0.0


@dataclass(frozen=True)
class Decision:
    """What a reply is: its outcome, the candidate shown (answered only) and its confidence."""

    outcome: str
    chosen: Candidate | None
    confidence: float


def asks_figure(question: str) -> bool:
    """Whether a question asks for an amount, count, rate or ratio."""
    return question_type(question) == "number" or _ASKS_FIGURE.search(question) is not None


def has_figure(text: str) -> bool:
    """Whether a text holds a number other than a year."""
    return any(not re.fullmatch(r"(?:19|20)\d\d", f) for f in _FIGURE.findall(text))


def features(question: str, c: Candidate) -> dict[str, float]:
    """The named features of a candidate (see the module docstring)."""
    s = c.lead
    text = " ".join(g.text for g in c.answer.segments) or _MARKERS.sub(" ", c.answer.answer)
    cited = " ".join(x.text for x in c.answer.citations)
    years = question_years(question)
    f = dict.fromkeys(FEATURES, 0.0)
    f["cell"] = float(c.kind == "cell")
    f["computed"] = float(c.kind == "computed")
    f["frontmatter"] = float(c.kind == "frontmatter")
    f["rank"] = 1.0 / max(1, c.rank)
    if s is not None:
        f.update(cov=s.cov, pcov=s.pcov, dense=s.dense, pdense=s.pdense, type=s.type, oov=s.oov, maxmiss=s.maxmiss)
    elif c.kind == "frontmatter":
        f["type"] = 1.0  # the rule matched a line of the kind asked for (a byline for "who wrote…")
    f["margin"] = c.margin
    f["no_figure"] = float(c.kind != "frontmatter" and asks_figure(question) and not has_figure(text))
    f["year_miss"] = float(bool(years) and not any(y in text or y in cited for y in years))
    f["label"] = c.label
    named = named_statements(question)
    first = c.answer.citations[0] if c.answer.citations else None
    f["statement"] = float(bool(named) and first is not None and in_statement(first.section, named))
    f["derived"] = float(_DERIVED.search(question) is not None)
    f["row_line"] = float(c.kind == "sentence" and s is not None and " | " in s.text)
    f["paged"] = float(first is not None and bool(first.pages))
    return f


def probability(f: Mapping[str, float], coef: Mapping[str, float] | None = None,
                intercept: float | None = None) -> float:
    """P(the answer is right) by the fitted logistic model (or the coefficients given, when fitting). A front-matter
    line (a rule matched a line of the kind asked for; it shares no words with the question) is right at the rate
    measured on the dev sets (`FRONTMATTER_RATE`)."""
    if f.get("frontmatter"):
        return fit.FRONTMATTER_RATE
    coef = fit.COEF if coef is None else coef
    b = fit.INTERCEPT if intercept is None else intercept
    z = b + sum(coef.get(k, 0.0) * v for k, v in f.items())
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def score(question: str, candidates: Sequence[Candidate]) -> list[Candidate]:
    """The candidates with their features and probabilities, most probable first."""
    for c in candidates:
        c.features = features(question, c)
        c.p = probability(c.features)
    return sorted(candidates, key=lambda c: -c.p)


def bar(c: Candidate, threshold: float, text_threshold: float | None = None) -> float:
    """The probability a candidate needs to be shown as `answered`: `threshold`, or `text_threshold` (when set)
    for an answer citing a plain-text document (Settings.answer.text_threshold says why)."""
    return threshold if text_threshold is None or c.features.get("paged") else text_threshold


def decide(candidates: Sequence[Candidate], related: bool, threshold: float,
           text_threshold: float | None = None) -> Decision:
    """`answered` with the most probable candidate when it is probably right (p >= its `bar`); else
    `evidence` when a shown passage is related to the question, else `not_found`. The confidence is the best
    candidate's probability whatever the outcome (0 when there is none)."""
    best = max(candidates, key=lambda c: c.p, default=None)
    p = best.p if best is not None else 0.0
    # plain text's lower bar holds only where a shown passage is related (an off-topic question stays not_found)
    if best is not None and p >= bar(best, threshold, text_threshold if related else None):
        return Decision("answered", best, p)
    return Decision("evidence" if related else "not_found", None, p)
