"""The three outcomes on the dev sets: answered / evidence / not_found, and the fit of the 'evidence' rule.

    python -m bench.outcomes [--sets financebench-dev squad2-normans covid-qa-dev seed-report] [--work /tmp/gq-dev]
                             [--fit] [--dump DIR]

Per set (indexed once under WORK/<set>, as bench.devsets does): hit@1/@5 of what `ask` retrieved (evidence
matched by overlap for financebench-dev, located verbatim elsewhere), the share of answerable questions per
outcome, false abstention (evidence + not_found on answerable questions), and, among answered questions, how
often the first citation holds the evidence.

`--fit` chooses the thresholds of app/answer/outcome.py. Positives: answerable questions whose evidence
was retrieved in the top 5 (the documents do hold related passages). Negatives: questions of *another* set
asked of this set's index (nothing there is relevant: COVID questions of SEC filings). The rule is fitted on
financebench-dev and squad2-normans and reported on covid-qa-dev and seed-report, which it did not see.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from app.answer.outcome import is_related
from bench.devsets import DATA, EVIDENCE_SETS, open_set, spans_for
from eval.metrics import evidence_relevance, hit_at_k, relevance
from eval.questions import load_questions

FIT_SETS = ("financebench-dev", "squad2-normans")
FOREIGN = {"financebench-dev": "covid-qa-dev", "squad2-normans": "covid-qa-dev", "covid-qa-dev": "financebench-dev",
           "seed-report": "financebench-dev"}
"""Whose questions are asked of a set's index as the off-topic negatives."""


def _features(api, question: str) -> list[float] | None:
    """The best candidate's features (None when nothing was retrieved)."""
    answerer = api.answerer()
    _ex, sents, _t = answerer.evidence(question, api.settings)
    return sents[0].features() if sents else None


def run(name: str, work: Path, dump: Path | None = None, negatives: int = 40) -> dict[str, object]:
    """Outcome figures of one set, plus the feature rows for fitting."""
    api = open_set(name, work)
    qs, _ = load_questions(DATA / name / "questions.jsonl")
    by_overlap = name in EVIDENCE_SETS
    rows = []
    for q in qs:
        a = api.ask(q.question)
        if q.answerable and by_overlap:
            rel = evidence_relevance(a.retrieved, q.source or "", q.reference_contexts)
            first = bool(a.citations) and evidence_relevance(a.citations[:1], q.source or "", q.reference_contexts)[0]
        elif q.answerable:
            spans = spans_for(api, q)
            rel = relevance(a.retrieved, q.source or "", spans)
            first = bool(a.citations) and relevance(a.citations[:1], q.source or "", spans)[0]
        else:
            rel, first = [], False
        rows.append({"id": q.id, "question": q.question, "answerable": q.answerable, "outcome": a.outcome,
                     "abstained": a.abstained, "hit1": hit_at_k(rel, 1), "hit5": hit_at_k(rel, 5),
                     "first_cites_evidence": bool(first), "answer": a.answer,
                     "reference": q.reference_answers[:1], "features": _features(api, q.question),
                     "pages": [list(c.pages) if c.pages else None for c in a.citations],
                     "related": [e.doc for e in a.related]})
    foreign, _ = load_questions(DATA / FOREIGN[name] / "questions.jsonl")
    neg = []
    for q in foreign[:negatives]:
        a = api.ask(q.question)
        neg.append({"question": q.question, "outcome": a.outcome, "features": _features(api, q.question)})
    ans = [r for r in rows if r["answerable"]]
    n = max(1, len(ans))
    answered = [r for r in ans if r["outcome"] == "answered"]
    out = {"set": name, "questions": len(rows), "answerable": len(ans),
           "hit@1": sum(r["hit1"] for r in ans) / n, "hit@5": sum(r["hit5"] for r in ans) / n,
           "answered": len(answered) / n, "evidence": sum(r["outcome"] == "evidence" for r in ans) / n,
           "not_found": sum(r["outcome"] == "not_found" for r in ans) / n,
           "false_abstention": sum(r["abstained"] for r in ans) / n,
           "first_citation_on_evidence": (sum(r["first_cites_evidence"] for r in answered) / len(answered)
                                          if answered else None),
           "unanswerable_answered": sum(not r["answerable"] and not r["abstained"] for r in rows),
           "off_topic_not_found": sum(r["outcome"] == "not_found" for r in neg) / max(1, len(neg))}
    if dump:
        dump.mkdir(parents=True, exist_ok=True)
        (dump / f"{name}.outcomes.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows + [
            {"negative": True, **x} for x in neg]))
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}), flush=True)
    return {"summary": out, "rows": rows, "neg": neg}


def fit(results: list[dict[str, object]]) -> tuple[float, float]:
    """Thresholds (pcov, pdense) maximising balanced accuracy of related (answerable, evidence in the top 5)
    vs off-topic questions, on the sets given."""
    pos = [r["features"] for res in results for r in res["rows"] if r["answerable"] and r["hit5"] and r["features"]]
    neg = [r["features"] for res in results for r in res["neg"] if r["features"]]
    best = (0.0, 0.5, 0.5)
    for pc in [x / 20 for x in range(4, 21)]:
        for pdn in [x / 20 for x in range(4, 21)]:
            tp = sum(f[1] >= pc or f[3] >= pdn for f in pos) / max(1, len(pos))
            tn = sum(not (f[1] >= pc or f[3] >= pdn) for f in neg) / max(1, len(neg))
            if (tp + tn) / 2 > best[0]:
                best = ((tp + tn) / 2, pc, pdn)
    print(f"fit on {len(pos)} related / {len(neg)} off-topic: pcov >= {best[1]}, pdense >= {best[2]} "
          f"(balanced accuracy {best[0]:.3f})")
    return best[1], best[2]


def main() -> None:
    """CLI entry."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", nargs="*", default=["financebench-dev", "squad2-normans", "covid-qa-dev", "seed-report"])
    ap.add_argument("--work", default="/tmp/gq-dev")
    ap.add_argument("--fit", action="store_true")
    ap.add_argument("--dump")
    a = ap.parse_args()
    results = {s: run(s, Path(a.work), Path(a.dump) if a.dump else None) for s in a.sets}
    if a.fit:
        fit([results[s] for s in FIT_SETS if s in results])
    for s in [s for s in results if s not in FIT_SETS]:  # sets the rule was not fitted on
        pos = [r["features"] for r in results[s]["rows"] if r["answerable"] and r["hit5"] and r["features"]]
        neg = [r["features"] for r in results[s]["neg"] if r["features"]]
        print(f"held-out {s}: related kept as evidence {sum(is_related(f) for f in pos)}/{len(pos)}, "
              f"off-topic said not_found {sum(not is_related(f) for f in neg)}/{len(neg)} (current thresholds)")


if __name__ == "__main__":
    main()
