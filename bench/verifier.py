"""Benchmark of the LLM sentence support check (app/answer/support.py) on the dev sets.

    python -m bench.verifier [--sets …] [--n 150] [--per-kind 60] [--misses KIND …] [--fake]

Faithful sentences must be accepted and corrupted ones refused; the table gives, per kind, how many were
checked and the share accepted / refused, per set and over all sets.
- Question cases (bench/verifier_cases.py; squad2-normans, covid-qa-dev, seed-report — the sets whose answers are
  spans): faithful `sentence` (the context sentence holding the answer, verbatim), `clause` (cut at commas to the
  clause(s) holding it), `qa` (the question turned into a claim with its answer, "Who was the Norse leader:
  Rollo." — shown apart: it rests on the question's words, which are not evidence); corrupted `number`,
  `entity` (a name absent from the context), `citation`, `foreign`, `negation-dropped`, `negation-added`,
  `antonym`, `instruction` (#23's five plants), `padding`.
- Pool cases (bench/verifier_hostile.py; all five sets, FinanceBench through its evidence pages): faithful
  `paraphrase` and `reordered`; `trimmed` shown apart (a trailing phrase dropped); corrupted `cause-effect`,
  `hedge-removed`, `hedge-added`, `quantifier`, `role-swap`, `merged`, `merged-local`, `unit`, `comparative`,
  `entity-local`, `year`, `number-local`, `instruction-dev` and `instruction-held` (planted in phrasings the
  detector was / was not built on).
The same cases run against any version of the checker: one whose SupportChecker takes `embed` (before issue 31)
gets MiniLM (--fake: the hashed test embedder).
"""
from __future__ import annotations

import argparse
import inspect
import subprocess
from pathlib import Path

import numpy as np

from app.answer.support import Claim, SupportChecker
from bench.verifier_cases import SETS, Case, build_question_cases
from bench.verifier_hostile import FAITHFUL as POOL_FAITHFUL, HOSTILE, INFORMATIONAL as POOL_INFO, build_pool_cases

FAITHFUL = ("sentence", "clause", *POOL_FAITHFUL)
"""The faithful kinds the acceptance target counts (verbatim, light paraphrase, re-ordered clauses)."""
INFORMATIONAL = ("qa", *POOL_INFO)
CORRUPTED = ("number", "entity", "citation", "foreign", "negation-dropped", "negation-added", "antonym",
             "instruction", "padding", *HOSTILE, "merged", "merged-local", "instruction-dev", "instruction-held")
QUESTION_SETS = ("seed-report", "squad2-normans", "covid-qa-dev")


def _embedder(fake: bool):
    from index.embed import FakeEmbedder, load_embedder

    e = FakeEmbedder(64) if fake else load_embedder(backend="torch")
    cache: dict[str, np.ndarray] = {}

    def embed(texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
        if missing:
            cache.update(zip(missing, e.encode(missing, batch_size=32)))
        return np.stack([cache[t] for t in texts])

    return embed


def make_checker(fake: bool) -> SupportChecker:
    """The checker of this checkout; one that takes a dense embedder (before issue 31) gets one."""
    if "embed" in inspect.signature(SupportChecker).parameters:
        return SupportChecker(embed=_embedder(fake))  # type: ignore[call-arg]
    return SupportChecker()


def accepted(case: Case, checker: SupportChecker):
    """The checker's verdict on one case."""
    return checker.check(Claim(case.claim, case.claim, case.markers), case.excerpts, case.question)


def run(cases: list[Case], checker: SupportChecker) -> dict[str, tuple[int, int]]:
    """(accepted, total) per case kind."""
    out: dict[str, list[int]] = {}
    for c in cases:
        acc = out.setdefault(c.kind, [0, 0])
        acc[0] += int(accepted(c, checker).supported)
        acc[1] += 1
    return {k: (a, t) for k, (a, t) in out.items()}


def misses(all_cases: dict[str, list[Case]], checker: SupportChecker, kinds: list[str]) -> None:
    """Print each case of `kinds` that the check gets wrong."""
    for name, cases in all_cases.items():
        for c in cases:
            if c.kind not in kinds:
                continue
            v = accepted(c, checker)
            if v.supported != (c.kind in FAITHFUL + INFORMATIONAL):
                print(f"== {name} {c.kind}: {'accepted' if v.supported else 'refused: ' + v.reason}\n"
                      f"claim:    {c.claim}\nevidence: {' '.join(s.text for s in v.evidence)}\n")


def planted_flagged(all_cases: dict[str, list[Case]]) -> str:
    """Per planted kind, how many planted instructions the detector (corpus/addressed.py) flags itself — apart
    from whether the claim restating one was refused (which the alignment may also do)."""
    from corpus import sentence_spans
    from corpus.addressed import is_addressed

    counts: dict[str, list[int]] = {}
    for cases in all_cases.values():
        for c in cases:
            if not c.planted:
                continue
            text = c.excerpts[0]
            at = text.find(c.planted)
            hit = any(is_addressed(text[s:e]) for s, e in sentence_spans(text) if s < at + len(c.planted) and at < e)
            n = counts.setdefault(c.kind, [0, 0])
            n[0] += hit
            n[1] += 1
    return "; ".join(f"{k}: {a}/{t} planted sentences flagged by the detector" for k, (a, t) in counts.items())


def _cell(a: int, t: int, faithful: bool) -> str:
    if not t:
        return "—"
    share = a / t if faithful else 1 - a / t
    return f"{share:.1%} (n={t})"


def table(results: dict[str, dict[str, tuple[int, int]]]) -> str:
    """Markdown: per kind, the share accepted (faithful) or refused (corrupted) per set and over all."""
    names = list(results)
    total: dict[str, tuple[int, int]] = {}
    for res in results.values():
        for k, (a, t) in res.items():
            a0, t0 = total.get(k, (0, 0))
            total[k] = (a0 + a, t0 + t)
    head = "| case | counted | " + " | ".join(names) + " | all |"
    rows = [head, "|---|---|" + "---:|" * (len(names) + 1)]
    for kinds, label, faithful in ((FAITHFUL, "faithful", True), (INFORMATIONAL, "informational", True),
                                   (CORRUPTED, "corrupted", False)):
        sa = st = 0
        for k in kinds:
            if k not in total:
                continue
            a, t = total[k]
            sa, st = sa + a, st + t
            cells = [_cell(*results[n].get(k, (0, 0)), faithful) for n in names]
            rows.append(f"| {label}: {k} | {'accepted' if faithful else 'refused'} | " + " | ".join(cells)
                        + f" | **{_cell(a, t, faithful)}** |")
        if st and label != "informational":
            rows.append(f"| **all {label}** | {'accepted' if faithful else 'refused'} | "
                        + " | ".join("" for _ in names) + f" | **{_cell(sa, st, faithful)}** |")
    return "\n".join(rows)


def build(sets: list[str], n: int, per_kind: int) -> dict[str, list[Case]]:
    """Every case of every set (question cases where the set has span answers, pool cases everywhere)."""
    return {name: (build_question_cases(name, n) if name in QUESTION_SETS else []) + build_pool_cases(name, per_kind)
            for name in sets}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", nargs="+", default=list(SETS))
    ap.add_argument("--n", type=int, default=150, help="question cases: questions per set (sampled)")
    ap.add_argument("--per-kind", type=int, default=60, help="pool cases: sentences per kind per set")
    ap.add_argument("--fake", action="store_true", help="hashed embedder for a checker that takes one (old code)")
    ap.add_argument("--misses", nargs="+", metavar="KIND", help="print the cases of these kinds the check gets wrong")
    args = ap.parse_args()
    all_cases = build(args.sets, args.n, args.per_kind)
    checker = make_checker(args.fake)
    if args.misses:
        misses(all_cases, checker, args.misses)
        return
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1]).stdout.strip()
    print(f"checker at {head or '?'}; {args.n} questions and {args.per_kind} pool sentences per kind per set\n")
    print(table({name: run(cases, checker) for name, cases in all_cases.items()}))
    print("\n" + planted_flagged(all_cases))


if __name__ == "__main__":
    main()
