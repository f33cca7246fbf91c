"""Order-preserving alignment of a claim with one source sentence, for the LLM sentence check (support.py).

A claim is supported by a source sentence when its significant words (app/answer/wording.py: everything but
articles and forms of be/have/do) equal, one for one and in the same order, the significant words of a run of
whole segments of that sentence — words compared by stem or lexicon group (app/answer/lexicon.py). So:
- every quantifier, modal or hedge, negation, comparative, unit and scale word of the claim is in the source at
  the same place, and none of the source's is dropped inside what the claim restates ("may cause" → "causes",
  "All employees" → "Employees" fail);
- nothing moves across a verb, "because", "than", "by", "to" or "from" (subject and object, cause and effect,
  the two sides of a comparison keep their places), and every number, year, unit and scale word keeps its
  neighbours;
- a claim restates whole segments (a clause, an appositive), never part of one ("dizziness in elderly patients"
  → "dizziness" fails), and leaves out only what the sentence asserts on its own — a clause opened by "and",
  "but", "because", "although", "while", "whereas", an appositive or relative clause, an aside in parentheses, a
  trailing participle clause ("…, ushering in …", "…, driven by …");
  an adjunct that scopes the clause it restates ("In 2019, …", "…, in the north"), a condition, an attribution
  or an exception ("if …", "according to …", "excluding …") is never left out.
The only reorderings accepted keep every role: a leading or trailing adjunct segment ("In 2019, …", "…, driven
by higher prices", "Because A, B" → "B because A"; a date phrase "in March 2019" also without its comma) moved
to the other side of the clause it belongs to; and the only segments that may be dropped from the middle are
an appositive or non-restrictive relative clause set off by commas ("Rollo, who led them, swore" → "Rollo
swore") and a short parenthesis that qualifies nothing ("(“Northwind”)", "(see Note 5)").
"""
from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import product

from app.answer.lexicon import key as lexicon_key
from app.answer.wording import PARTICIPLES, Segment, Word, segments as _segments, significant, words

_K = lexicon_key
DROPPABLE_LEAD = frozenset(_K(w) for w in "and but because although though while whereas so yet also then".split())
"""A segment's first word that a claim restating just that segment may leave out (the clause is asserted)."""
BOUND_OPENERS = frozenset(_K(w) for w in """if unless provided assuming whether according reportedly allegedly
excluding except only possibly probably likely perhaps presumably apparently unlike adjusted compared measured
expressed calculated weighted restated""".split())
"""A segment opening with one of these qualifies the rest of its sentence: never left out, nor dropped as an aside."""
ADJUNCT_OPENERS = frozenset(_K(w) for w in """in on at during after before since by as according following despite
for from through throughout within under amid because although though while when whereas once with until over besides if
unlike unless""".split())
"""A leading or trailing segment opening with one of these (or with a participle: "driven by …") is an adjunct of
the clause next to it, and may stand on its other side."""
RELATIVE_LEADS = frozenset("a an the who which whose".split())
"""How an appositive or a non-restrictive relative clause set off by commas starts."""
REFERENCE_WORDS = frozenset(_K(w) for w in "note notes figure fig table item page section exhibit see".split())
NEGATIONS = frozenset(_K(w) for w in "not no never none nor neither nobody nothing without".split())
HEDGES = frozenset(_K(w) for w in """may might could can would should must will shall likely unlikely possibly
probably perhaps presumably apparently suggest suggests suggested appear appears seem seems approximately estimated
expected potential potentially reportedly allegedly""".split())
QUANTIFIERS = frozenset(_K(w) for w in """all every each some most many few several no none only any both either
neither half much more less fewer""".split())
_GLUE = frozenset({"(", ")", "[", "]", "-", "–", "—"})
_SUBORDINATORS = frozenset(_K(w) for w in "because although though whereas while".split())
_RESTRICTORS = frozenset(_K(w) for w in "only mainly mostly primarily largely partly partially just solely".split())
_REPORTING = frozenset(_K(w) for w in """said says say stated states reported reports claimed claims noted notes
estimated estimates added told argued argues believes believed thinks thought suggested according announced""".split())
"""Words of an attribution ("…, the CEO said"): a segment holding one is never left out (it says who claims it)."""
_QUALIFIERS = frozenset(_K(w) for w in """unaudited preliminary projected forecast forecasts expected adjusted pro forma
estimate estimated approximate target planned proposed thousand thousands million millions billion billions
percent""".split())
"""Words that make a parenthesis qualify the figure before it ("(unaudited)", "(in millions)")."""
_JOINERS = frozenset(_K(w) for w in "and or but".split())
_DATE_PREPS = frozenset(_K(w) for w in "in on during by".split())
_MONTHS = frozenset(_K(w) for w in """january february march april may june july august september october november
december""".split())
MAX_VARIANTS = 32
"""Reorderings tried per source sentence: every combination of the two adjunct moves (4 orders) and of leaving out
up to three droppable middle segments (8) — a bound on the work one claim costs, set by hand."""


@dataclass(frozen=True)
class Piece:
    """A segment as the alignment uses it: its words and what may be done with it."""

    words: tuple[Word, ...]
    movable: bool = False
    optional: bool = False
    """Whether a claim may leave it out: a clause the sentence asserts on its own ("…, although no deal was
    reached", "…, and costs fell"), an appositive or relative clause ("…, a region in France", "…, which …"), an
    aside in parentheses. Any other segment — an adjunct that scopes the clause ("In 2019,", "in the north"), a
    condition, an attribution, a list item — is part of what the sentence says."""
    droppable: bool = False
    clause: int = 0
    """Which clause of the sentence it belongs to: a segment opened by "and", "but", "because", "although", …
    starts a new one. A claim may leave out whole clauses it does not touch."""
    glued: bool = False
    """Whether it continues the clause before it (opened by a parenthesis or a dash, not by , ; : or a
    connective): an adjunct moves past or before a whole clause, its parentheses included."""


def _is_year(w: Word) -> bool:
    return w.kind == "number" and w.key.isdigit() and 1000 <= int(w.key) <= 2099


def _date_prefix(ws: tuple[Word, ...]) -> int:
    """Length of a leading "in [March] [5,] 2019" phrase of `ws` (0 when none)."""
    if len(ws) < 3 or ws[0].key not in _DATE_PREPS:
        return 0
    i = 1
    if ws[i].key in _MONTHS:
        i += 1
        if i < len(ws) and ws[i].kind == "number" and not _is_year(ws[i]):
            i += 1
    if i < len(ws) and _is_year(ws[i]) and i + 1 < len(ws):
        return i + 1
    return 0


def _date_suffix(ws: tuple[Word, ...]) -> int:
    """Length of a trailing "in [March] 2019" phrase of `ws` (0 when none)."""
    if len(ws) < 3 or not _is_year(ws[-1]):
        return 0
    i = len(ws) - 2
    if ws[i].kind == "number" and not _is_year(ws[i]):
        i -= 1
    if i >= 0 and ws[i].key in _MONTHS:
        i -= 1
    return len(ws) - i if i >= 1 and ws[i].key in _DATE_PREPS else 0


_PARTICIPLE_PREPS = frozenset(_K(w) for w in "by on with to from in at".split())


def _participle(ws: tuple[Word, ...]) -> bool:
    """Whether a segment opens with a participle and its preposition ("driven by …", "based on …", "compared
    with …"): "acquired Fjordline" opens a predicate, which never moves."""
    w = ws[0]
    return (len(ws) > 1 and ws[1].key in _PARTICIPLE_PREPS
            and ((w.text.endswith(("ing", "ed")) and len(w.text) > 4) or w.text in PARTICIPLES))


@lru_cache(maxsize=2048)
def pieces(sentence: str) -> tuple[Piece, ...]:
    """The segments of a source sentence with what may be done with each (see module docstring)."""
    segs: list[Segment] = _segments(sentence)
    out: list[Piece] = []
    n = len(segs)
    clause = 0
    for i, s in enumerate(segs):
        first = s.words[0].key
        # "…, but only in Europe": a connective before a qualifier opens no clause of its own
        second = s.words[1].key if len(s.words) > 1 and first in DROPPABLE_LEAD else ""
        qualifies = first in BOUND_OPENERS or second in BOUND_OPENERS | _RESTRICTORS | {"not", "never"}
        clause += i > 0 and first in DROPPABLE_LEAD and not qualifies
        edge = (i == 0 and n > 1 and segs[1].opener == ",") or (
            i == n - 1 and n > 1 and (s.opener == "," or (s.opener == "" and first in _SUBORDINATORS)))
        movable = edge and (first in ADJUNCT_OPENERS or _participle(s.words))
        nums = [w for w in s.words if w.kind == "number"]
        relative = (i > 0 and not qualifies and s.opener == "," and s.lead in RELATIVE_LEADS
                    and not any(w.key in NEGATIONS | _REPORTING for w in s.words))
        aside = (s.opener == "(" and len(s.words) <= 3 and not qualifies
                 and not any(w.key in NEGATIONS | HEDGES | QUANTIFIERS | _QUALIFIERS for w in s.words)
                 and (not nums or s.words[0].key in REFERENCE_WORDS))
        # a trailing participle clause ("…, ushering in five years of …", "…, driven by prices") tells what
        # followed or why: the clause before it holds without it
        consequence = (i == n - 1 and n > 1 and s.opener == "," and not qualifies
                       and (s.words[0].text.endswith("ing") or _participle(s.words)))
        optional = not qualifies and (first in DROPPABLE_LEAD or relative or aside or consequence)
        droppable = (relative and i < n - 1 and segs[i + 1].opener == ",") or (aside and 0 < i < n - 1)
        out.append(Piece(s.words, movable, optional, droppable, clause, glued=i > 0 and s.opener in _GLUE))
    # a date phrase opening the first segment or closing the last one moves without its comma too (when the rest
    # is one verb phrase: in "rose 12% in 2019 and fell 3% in 2020" the last date belongs to "fell" only)
    if out and not out[0].movable and (k := _date_prefix(out[0].words)) and not _joined(out[0].words[k:]):
        out[0:1] = [Piece(out[0].words[:k], movable=True), Piece(out[0].words[k:])]
    if out and not out[-1].movable and (k := _date_suffix(out[-1].words)) and not _joined(out[-1].words[:-k]):
        last = out[-1]
        out[-1:] = [Piece(last.words[:-k], glued=last.glued, clause=last.clause),
                    Piece(last.words[-k:], movable=True, clause=last.clause)]
    return tuple(out)


def _joined(ws: tuple[Word, ...]) -> bool:
    return any(w.key in _JOINERS for w in ws)


def _variants(ps: tuple[Piece, ...]) -> list[list[int]]:
    """Orders of piece indices to try: the sentence as written, adjuncts moved past (or before) the clause next
    to them, droppable pieces left out."""
    n = len(ps)
    orders = [list(range(n))]
    if n >= 2 and ps[0].movable:
        host = 2
        while host < n and ps[host].glued:
            host += 1
        orders.append([*range(1, host), 0, *range(host, n)])
    if n >= 2 and ps[-1].movable:
        host = n - 2
        while host > 0 and ps[host].glued:
            host -= 1
        orders += [[*o[:o.index(host)], n - 1, *[i for i in o[o.index(host):] if i != n - 1]]
                   for o in list(orders) if o[-1] == n - 1]
    drops = [i for i, p in enumerate(ps) if p.droppable][:3]
    out: list[list[int]] = []
    for o in orders:
        for mask in product((False, True), repeat=len(drops)):
            gone = {d for d, m in zip(drops, mask) if m}
            out.append([i for i in o if i not in gone])
            if len(out) >= MAX_VARIANTS:
                return out
    return out


def match(claim_keys: tuple[str, ...], sentence: str) -> tuple[int, ...] | None:
    """The pieces of `sentence` a claim restates (by index) when it aligns (module docstring), else None."""
    if not claim_keys:
        return None
    ps = pieces(sentence)
    m = len(claim_keys)
    for order in _variants(ps):
        flat = [(w.key, pi, j, len(ps[pi].words)) for pi in order for j, w in enumerate(ps[pi].words)]
        keys = [f[0] for f in flat]
        for p in range(len(flat) - m + 1):
            if keys[p:p + m] != list(claim_keys):
                continue
            _, pi, j, _n = flat[p]
            if j != 0 and not (j == 1 and ps[pi].words[0].key in DROPPABLE_LEAD):
                continue
            _, qi, k, qn = flat[p + m - 1]
            if k != qn - 1:
                continue
            covered = {f[1] for f in flat[p:p + m]}
            touched = {ps[i].clause for i in covered}
            if any(not ps[i].optional and ps[i].clause in touched and i not in covered for i in order):
                continue
            return tuple(sorted(covered))
    return None


# --- why a claim does not align (the reason shown for a removed sentence) ---------------------------------

def closeness(claim: list[Word], sentence: str) -> tuple[int, int]:
    """(how many of the claim's significant words the sentence holds, how many align in order) — to pick the
    sentence a reason speaks of."""
    sw = significant(words(sentence))
    have = {w.key for w in sw}
    sm = SequenceMatcher(None, [w.key for w in claim], [w.key for w in sw], autojunk=False)
    return sum(w.key in have for w in claim), sum(b.size for b in sm.get_matching_blocks())


def difference(claim: list[Word], sentence: str) -> str:
    """Why `claim` does not align with `sentence`, the cited sentence closest to it; '' when nothing specific is
    found (the caller then names a word that is not in the cited text, or the general reason).

    The two are aligned (longest common blocks); each stretch where they differ — inside what the claim restates,
    or just outside it on the source's side ("All" before "employees") — is read for a negation, an opposite
    direction word, a hedge or a quantifier on one side only."""
    from app.answer.opposites import opposite_of

    sw = significant(words(sentence))
    ck, sk = [w.key for w in claim], [w.key for w in sw]
    ops = SequenceMatcher(None, ck, sk, autojunk=False).get_opcodes()
    equal = [k for k, op in enumerate(ops) if op[0] == "equal"]
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            continue
        mine, theirs = claim[i1:i2], sw[j1:j2]
        if equal and k < equal[0]:
            theirs = theirs[-3:]  # source words just before what the claim restates
        elif equal and k > equal[-1]:
            theirs = theirs[:3]
        why = _stretch(mine, theirs, opposite_of)
        if why:
            return why
    if any(w.key not in set(sk) for w in claim):
        return ""  # the caller says which word is not in the cited text
    at = _subsequence(ck, sk)
    if at is None:
        pos = {}
        for i, w in enumerate(sw):
            pos.setdefault(w.key, i)
        a, b = next(((a, b) for a, b in zip(claim, claim[1:]) if pos[a.key] > pos[b.key]), (claim[0], claim[-1]))
        return (f"its words stand in another order than in its cited sentence ({a.text!r} … {b.text!r}): "
                "subject and object, cause and effect keep their places")
    inside = [sw[j].text for j in range(at[0], at[-1] + 1) if j not in set(at)]
    if inside:
        return f"it leaves out words inside what it restates ({' '.join(inside[:4])!r})"
    return ("it restates part of a clause of its cited sentence: a qualifying phrase, date or condition there is "
            "left out")


def _subsequence(ck: list[str], sk: list[str]) -> list[int] | None:
    """Positions in `sk` of `ck` as an in-order subsequence (the tightest from its first word), or None."""
    best = None
    for start in (j for j, k in enumerate(sk) if ck and k == ck[0]):
        pos, j = [start], start + 1
        for k in ck[1:]:
            while j < len(sk) and sk[j] != k:
                j += 1
            if j == len(sk):
                break
            pos.append(j)
            j += 1
        if len(pos) == len(ck) and (best is None or pos[-1] - pos[0] < best[-1] - best[0]):
            best = pos
    return best


def _stretch(mine: list[Word], theirs: list[Word], opposite_of) -> str:
    """Why two stretches that differ at one place of an alignment say different things ('' when no rule names it)."""
    neg_mine, neg_theirs = any(w.key in NEGATIONS for w in mine), any(w.key in NEGATIONS for w in theirs)
    if neg_mine and not neg_theirs:
        return "the sentence negates what the cited text says"
    if neg_theirs and not neg_mine:
        return "the cited text says the opposite (it is negated there)"
    if mine and theirs:
        opp = opposite_of(" ".join(w.text for w in mine), " ".join(w.text for w in theirs))
        if opp:
            return f"the sentence says {opp[0]!r} where the cited text says {opp[1]!r}"
    theirs_keys, mine_keys = {w.key for w in theirs}, {w.key for w in mine}
    for w in mine:
        if (w.key in HEDGES or w.key in QUANTIFIERS) and w.key not in theirs_keys:
            return f"the sentence adds {w.text!r}, which its cited sentence does not say"
    for w in theirs:
        if (w.key in HEDGES or w.key in QUANTIFIERS) and w.key not in mine_keys:
            return f"the cited sentence says {w.text!r}, which the sentence leaves out"
    return ""
