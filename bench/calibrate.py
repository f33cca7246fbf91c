"""Fit the answerer's sentence weights and confidence model on the dev sets.

    python -m bench.calibrate [--work /tmp/gq-dev2] [--write]

Collects, for every dev question, the scored candidate sentences (features + whether each holds a
reference answer), searches sentence-score weights that put an answer-bearing sentence first, fits
a logistic confidence model on the best sentence's features (label: answerable and answered), and
picks the abstention threshold. `--write` rewrites app/answer/calibration.py.
"""
from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import numpy as np

from app.settings import PRESETS
from bench.devsets import DATA, EVIDENCE_SETS, open_set
from eval.metrics import EVIDENCE_MIN_OVERLAP, basename, contains_reference, evidence_overlap
from eval.questions import load_questions

FEATURES = ["cov", "pcov", "dense", "pdense", "type", "oov", "maxmiss"]


def collect(work: Path, sets: list[str]) -> list[dict]:
    """Per question: set name, answerable, and each candidate sentence's features and label."""
    out = []
    for name in sets:
        api = open_set(name, work)
        ans = api.answerer()
        qs, _ = load_questions(DATA / name / "questions.jsonl")
        for q in qs:
            _, sents, _ = ans.evidence(q.question, PRESETS["default"])
            rows = [{"f": s.features(), "rank": s.rank, "label": _label(name, q, s), "len": len(s.text)}
                    for s in sents]
            out.append({"set": name, "id": q.id, "answerable": q.answerable, "sents": rows})
    return out


def _label(name: str, q, s) -> bool:
    """Whether a candidate sentence answers: it holds a reference answer, or (FinanceBench, whose answers
    are an analyst's words and figures) it comes from the evidence text of the right document."""
    if not q.answerable:
        return False
    if name in EVIDENCE_SETS:
        return basename(s.excerpt.doc) == basename(q.source or "") and any(
            evidence_overlap(s.text, e) >= EVIDENCE_MIN_OVERLAP for e in q.reference_contexts)
    return bool(contains_reference(s.text, q.reference_answers))


def top1(data: list[dict], w: np.ndarray) -> float:
    """Share of answerable questions whose best-scored sentence holds a reference answer."""
    hit = n = 0
    for d in data:
        if not d["answerable"] or not d["sents"]:
            continue
        n += 1
        F = np.array([s["f"][:5] + [1.0 / s["rank"]] for s in d["sents"]])
        hit += d["sents"][int(np.argmax(F @ w))]["label"]
    return hit / max(1, n)


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 3000) -> tuple[np.ndarray, float]:
    """Plain gradient-descent logistic regression (features are few; no extra dependency)."""
    w = np.zeros(X.shape[1])
    b = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(X @ w + b)))
        g = p - y
        w -= 0.5 * (X.T @ g / len(y) + l2 * w)
        b -= 0.5 * g.mean()
    return w, b


def main() -> None:
    """CLI entry."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="/tmp/gq-dev2")
    ap.add_argument("--sets", nargs="*", default=["seed-report", "squad2-normans", "covid-qa-dev", "financebench-dev"])
    ap.add_argument("--cache", default="/tmp/gq-calib.json")
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--keep-weights", action="store_true",
                    help="keep the sentence weights of app/answer/calibration.py; refit only the confidence model")
    a = ap.parse_args()
    cache = Path(a.cache)
    data = json.loads(cache.read_text()) if cache.exists() else collect(Path(a.work), a.sets)
    cache.write_text(json.dumps(data))
    names = FEATURES[:5] + ["rank"]
    best = (0.0, None)
    grid = [0.0, 0.1, 0.25, 0.45]
    for w in itertools.product(grid, grid, grid, [0.0, 0.05], [0.0, 0.1, 0.2], [0.0, 0.05]):
        if sum(w) == 0 or a.keep_weights:
            continue
        score = np.mean([top1([d for d in data if d["set"] == s], np.array(w)) for s in ("squad2-normans", "covid-qa-dev")])
        if score > best[0]:
            best = (score, w)
    if a.keep_weights:
        from app.answer.calibration import SENTENCE_WEIGHTS

        best = (0.0, tuple(SENTENCE_WEIGHTS[n] for n in names))
    w = np.array(best[1])
    print("sentence weights", dict(zip(names, w.tolist())), "mean top1", round(best[0], 3))
    for s in sorted({d["set"] for d in data}):
        print(" ", s, "top1 contains", round(top1([d for d in data if d["set"] == s], w), 3))
    X, y, sets = [], [], []
    for d in data:
        if not d["sents"]:
            continue
        F = np.array([s["f"][:5] + [1.0 / s["rank"]] for s in d["sents"]])
        b = d["sents"][int(np.argmax(F @ w))]
        X.append(b["f"])
        y.append(1.0 if (d["answerable"] and b["label"]) else 0.0)
        sets.append(d["set"])
    X, y = np.array(X), np.array(y)
    coef, icpt = fit_logistic(X, y)
    print("confidence coef", dict(zip(FEATURES, np.round(coef, 3).tolist())), "intercept", round(icpt, 3))
    p = 1 / (1 + np.exp(-(X @ coef + icpt)))
    ans = np.array([d["answerable"] for d in data if d["sents"]])
    for t in np.arange(0.1, 0.8, 0.05):
        row = [f"t={t:.2f}"]
        for s in sorted(set(sets)):
            m = np.array(sets) == s
            abst = p[m] < t
            una = ~ans[m]
            tp = (abst & una).sum()
            prec = tp / max(1, abst.sum())
            rec = tp / max(1, una.sum())
            f1 = 2 * prec * rec / max(1e-9, prec + rec)
            contains = ((~abst) & (y[m] == 1)).sum() / max(1, ans[m].sum())
            far = (abst & ans[m]).sum() / max(1, ans[m].sum())
            wrong = ((~abst) & (y[m] == 0)).sum() / max(1, (~abst).sum())
            row.append(f"{s[:6]} right {contains:.3f} absF1 {f1:.3f} FAR {far:.2f} wrong-shown {wrong:.2f}")
        print("  ".join(row))
    if a.write:
        Path("app/answer/calibration.py").write_text(
            '"""Confidence model and sentence weights, fitted on the dev sets by `python -m bench.calibrate --write`.\n\n'
            "Features, in order: sentence coverage, passage coverage, sentence dense similarity,\n"
            'passage dense similarity, answer-type match, out-of-corpus share, rarest missing term.\n"""\n'
            f"COEF = {np.round(coef, 4).tolist()}\nINTERCEPT = {round(float(icpt), 4)}\n"
            f"SENTENCE_WEIGHTS = {dict(zip(names, w.tolist()))}\n")


if __name__ == "__main__":
    main()
