"""The three outcomes on the dev sets (answered / evidence / not_found), and the fit of the correctness model.

    python -m bench.outcomes [--sets financebench-dev financebench-metrics-dev squad2-normans covid-qa-dev seed-report]
                             [--work /tmp/gq-dev] [--index SET=DIR ...] [--fit [--write]] [--dump DIR]

Per set (indexed once under WORK/<set>, as bench.devsets does, or an existing index given by --index, opened
without indexing): hit@1/@5 of what `ask` retrieved, the share of answerable questions per outcome, among
answered questions how often the answer is right (bench/correctness.py's label: the first citation holds the
evidence page's own text for FinanceBench-style sets, contains a reference answer elsewhere), how often the
evidence is in view (citations + cards), and the off-topic check: questions of *another* set asked of this
set's index must be `not_found`.

`--fit` fits the correctness model and the card order on every set run (held-out folds reported; see
bench/correctness.py) and the related-passage thresholds of app/answer/outcome.py (printed); `--write` rewrites
app/answer/correctness_fit.py. After a new answer kind is added, `python -m bench.outcomes --fit --write` refits.
"""
from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from app.answer.outcome import is_related
from app.api import GroundQA
from bench import correctness as K
from bench.card_order import card_row, fit_order
from bench.devsets import DATA, open_set

SETS = ["financebench-dev", "financebench-metrics-dev", "squad2-normans", "covid-qa-dev", "seed-report"]
FOREIGN = {"financebench-dev": "covid-qa-dev", "financebench-metrics-dev": "covid-qa-dev",
           "squad2-normans": "covid-qa-dev", "covid-qa-dev": "financebench-dev", "seed-report": "financebench-dev"}
"""Whose questions are asked of a set's index as the off-topic negatives."""
RELATED_FIT_SETS = ("financebench-dev", "squad2-normans")
"""The sets the related-passage thresholds of app/answer/outcome.py were fitted on (the others report them)."""


def _raw(name: str) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (DATA / name / "questions.jsonl").read_text(encoding="utf-8").splitlines()
            if x.strip()]


def run(name: str, api: GroundQA, dump: Path | None = None, negatives: int = 40) -> dict[str, Any]:
    """Outcome figures of one set, plus its fit rows (candidates), card rows and off-topic rows."""
    sc = K.scorer()
    answerer = api.answerer()
    rows, fit_rows, card_rows = [], [], []
    questions = _raw(name)
    one_doc = len({q.get("source") for q in questions if q.get("source")}) <= 1
    for raw in questions:
        judge = K.Judge(name, raw, api, sc)
        trace: dict[str, Any] = {}
        a = answerer.answer(raw["question"], api.settings, trace=trace)
        cands, sents = trace.get("candidates", []), trace.get("sentences", [])
        # Folds hold out whole documents; a one-document set (a Wikipedia article) holds out whole questions.
        group = f"{name}/{raw['id'] if one_doc else raw.get('source') or ''}"
        fit_rows += K.rows_of(name, raw["id"], group, judge, cands)
        card_rows.append(card_row(name, raw["id"], raw["question"], judge, trace.get("excerpts", []), sents,
                                    trace.get("rows", [])))
        shown = list(a.citations) + list(a.related)
        rows.append({"id": raw["id"], "question": raw["question"], "answerable": judge.answerable,
                     "outcome": a.outcome, "kind": a.kind, "confidence": round(a.confidence, 3),
                     "hit1": any(judge.holds(e) for e in a.retrieved[:1]),
                     "hit5": any(judge.holds(e) for e in a.retrieved[:5]),
                     "right": a.outcome == "answered" and judge.right(a),
                     "in_view": any(judge.holds(e) for e in shown),
                     "first_two_cards": any(judge.holds(e) for e in a.related[:2]),
                     "answer": a.answer, "reference": raw.get("reference_answer"),
                     "pages": [list(c.pages) if c.pages else None for c in a.citations],
                     "related": [[e.doc, list(e.pages) if e.pages else None, getattr(e, "line", "")]
                                 for e in a.related],
                     "features": sents[0].features() if sents else None})
    neg = []
    for raw in _raw(FOREIGN[name])[:negatives]:
        trace = {}
        a = answerer.answer(raw["question"], api.settings, trace=trace)
        sents = trace.get("sentences", [])
        neg.append({"question": raw["question"], "outcome": a.outcome,
                    "features": sents[0].features() if sents else None})
    ans = [r for r in rows if r["answerable"]]
    n = max(1, len(ans))
    answered = [r for r in ans if r["outcome"] == "answered"]
    out = {"set": name, "questions": len(rows), "answerable": len(ans),
           "hit@1": sum(r["hit1"] for r in ans) / n, "hit@5": sum(r["hit5"] for r in ans) / n,
           "answered": len(answered) / n, "evidence": sum(r["outcome"] == "evidence" for r in ans) / n,
           "not_found": sum(r["outcome"] == "not_found" for r in ans) / n,
           "answered_right": sum(r["right"] for r in answered) / len(answered) if answered else None,
           "evidence_in_view": sum(r["in_view"] for r in ans) / n,
           "unanswerable_answered": sum(not r["answerable"] and r["outcome"] == "answered" for r in rows),
           "off_topic_not_found": sum(r["outcome"] == "not_found" for r in neg) / max(1, len(neg))}
    if dump:
        dump.mkdir(parents=True, exist_ok=True)
        (dump / f"{name}.outcomes.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows + [
            {"negative": True, **x} for x in neg]))
        (dump / f"{name}.fit.json").write_text(json.dumps({"rows": fit_rows, "cards": card_rows}))
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}), flush=True)
    return {"summary": out, "rows": rows, "neg": neg, "fit_rows": fit_rows, "card_rows": card_rows}


def fit_related(results: list[dict[str, Any]]) -> tuple[float, float]:
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
    print(f"related-passage rule fitted on {len(pos)} related / {len(neg)} off-topic: pcov >= {best[1]}, "
          f"pdense >= {best[2]} (balanced accuracy {best[0]:.3f})")
    return best[1], best[2]


def main() -> None:
    """CLI entry."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", nargs="*", default=SETS)
    ap.add_argument("--work", default="/tmp/gq-dev")
    ap.add_argument("--index", nargs="*", default=[], metavar="SET=DIR",
                    help="use an existing index for a set (opened as is, never indexed into)")
    ap.add_argument("--fit", action="store_true", help="fit the correctness model and the card order")
    ap.add_argument("--write", action="store_true", help="with --fit: rewrite app/answer/correctness_fit.py")
    ap.add_argument("--weights", default="sqrt", choices=["sqrt", "none"], help="row weights of the fit")
    ap.add_argument("--card-pool", type=int, help="passages the cards are chosen from (AnswerSettings.card_pool)")
    ap.add_argument("--dump")
    ap.add_argument("--from-dump", action="store_true", help="with --fit: refit from the --dump folder's rows")
    a = ap.parse_args()
    given = dict(x.split("=", 1) for x in a.index)
    dump = Path(a.dump) if a.dump else None
    if a.from_dump and dump:
        data = [json.loads((dump / f"{s}.fit.json").read_text()) for s in a.sets]
        rows = [r for d in data for r in d["rows"]]
        cards = [c for d in data for c in d["cards"]]
    else:
        results = {}
        for s in a.sets:
            api = GroundQA(given[s]) if s in given else open_set(s, Path(a.work))
            if a.card_pool:
                api.settings = replace(api.settings, answer=replace(api.settings.answer, card_pool=a.card_pool))
            results[s] = run(s, api, dump)
        rows = [r for res in results.values() for r in res["fit_rows"]]
        cards = [c for res in results.values() for c in res["card_rows"]]
        if a.fit:
            fit_related([results[s] for s in RELATED_FIT_SETS if s in results])
        for s in [s for s in results if s not in RELATED_FIT_SETS]:  # sets the rule was not fitted on
            pos = [r["features"] for r in results[s]["rows"] if r["answerable"] and r["hit5"] and r["features"]]
            neg = [r["features"] for r in results[s]["neg"] if r["features"]]
            print(f"held-out {s}: related kept {sum(is_related(f) for f in pos)}/{len(pos)}, off-topic said "
                  f"not_found {sum(not is_related(f) for f in neg)}/{len(neg)} (current thresholds)")
    if a.fit:
        from app.settings import PRESETS

        bars = PRESETS["default"].answer
        K.fit(rows, fit_order(cards), bars.threshold, a.weights, write_file=a.write,
              text_threshold=bars.text_threshold)


if __name__ == "__main__":
    main()
